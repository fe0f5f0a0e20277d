"""SQL for the `lines` table: each row's event values and everything wrong with it.

Nested stages, so each expression is computed once per row: the texts of the columns the
mapping reads, the converted values, then the checks over those values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datong.ingest.importer import expressions as sql
from datong.ingest.importer.mapping import Field, Mapping
from datong.ingest.importer.reader import LINE
from datong.ingest.messages import MAX_ID

MESSAGE_PREFIX = "imp-"
_IDENTITY_PROBLEM = (
    f"CASE WHEN __user IS NULL AND __anon IS NULL THEN 'identity: no user_id and no anonymous_id'"
    f" WHEN length(__user) > {MAX_ID} THEN 'identity.user_id: longer than {MAX_ID} characters'"
    f" WHEN length(__anon) > {MAX_ID} THEN 'identity: anonymous id longer than {MAX_ID}"
    f" characters' END"
)


@dataclass
class Layout:
    """Which column of `lines` holds which mapped value (constants never reach SQL)."""

    properties: list[tuple[str, str]] = field(default_factory=list)
    traits: list[tuple[str, str]] = field(default_factory=list)
    products: list[tuple[str, str]] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    order_id: str | None = None
    total: str | None = None  # set when the mapping has a total or it can be computed
    mapped_total: bool = False


def members(fields: dict[str, Field], columns: dict[str, str]) -> list[sql.Member]:
    """JSON members in mapping order: mapped values by their column, constants as they are."""
    return [(name, columns.get(name), f.value, False) for name, f in fields.items()
            if f.is_constant or name in columns]


class LineQuery:
    """Compiles the mapping against the file's columns into the three stages' SQL."""

    def __init__(self, mapping: Mapping, cols: sql.Columns, file_columns: list[str]) -> None:
        self.mapping = mapping
        self.layout = Layout()
        self._cols = cols
        self._file_columns = file_columns
        self._values: list[str] = []
        self._problems: list[tuple[str, str]] = []  # (blame, SQL over the values)
        self._identity_and_time()
        self._payload()
        self._group_keys()
        self._hash = "" if self.layout.group else self._line_hash()

    def lines(self) -> str:
        """The final stage: kept values, messageId, product JSON, the problems as text."""
        problems = [p for _, p in self._problems] + [_IDENTITY_PROBLEM]
        blames = [b for b, _ in self._problems] + [self._identity_blame()]
        fields = ", ".join(f"CASE WHEN q{i} IS NOT NULL THEN {sql.literal(b)} END"
                           for i, b in enumerate(blames))
        reasons = ", ".join(f"q{i}" for i in range(len(problems)))
        checks = ", ".join(f"{p} AS q{i}" for i, p in enumerate(problems))
        anon = "coalesce(__anon0, CASE WHEN __user IS NULL THEN __guest END) AS __anon"
        texts = "".join(f", {t}" for t in self._cols.texts())
        values = f"SELECT *, {', '.join(self._values)}{self._hash} FROM (SELECT *{texts} FROM src)"
        return (f"SELECT {', '.join(self._kept())}{self._message_id()}{self._product()}, "
                f"concat_ws('; ', {fields}) AS __fields, concat_ws('; ', {reasons}) AS __reasons "
                f"FROM (SELECT *, {checks} FROM (SELECT *, {anon} FROM ({values})))")

    def _value(self, name: str, expression: str) -> None:
        self._values.append(f"{expression} AS {name}")

    def _problem(self, blame: str, expression: str) -> None:
        if expression != "NULL":
            self._problems.append((blame, expression))

    def _field(self, name: str, f: Field | None, *, as_text: bool = False) -> bool:
        """Add a mapped field; False when it is absent or a constant (no column needed)."""
        if f is None or f.is_constant:
            self._value(name, "NULL")
            return False
        compiled = sql.compile_field(f, self._cols, self.mapping.money, name)
        self._value(name, f"CAST({compiled.value} AS VARCHAR)" if as_text else compiled.value)
        self._problem(compiled.blame, compiled.problem)
        return True

    def _identity_and_time(self) -> None:
        m = self.mapping
        self._field("__user", m.user_id, as_text=True)
        self._field("__anon0", m.anonymous_id, as_text=True)
        self._field("__guest", m.guest_id)
        name = sql.event_name(m.event, m.rules, self._cols) if m.event else "NULL"
        self._value("__event", name)
        ts = sql.timestamp(m.timestamp, self._cols, "__ts")
        self._value("__ts", ts.value)
        self._problem(ts.blame, ts.problem)

    def _payload(self) -> None:
        m, layout = self.mapping, self.layout
        for prefix, fields, target in (("p", m.properties, layout.properties),
                                       ("t", m.traits, layout.traits)):
            for i, (key, f) in enumerate(fields.items()):
                if self._field(f"{prefix}{i}", f):
                    target.append((key, f"{prefix}{i}"))
        if m.order is None:
            return
        if self._field("__oid", m.order.id, as_text=True):
            layout.order_id = "__oid"
        if self._field("__total", m.order.total):
            layout.total, layout.mapped_total = "__total", True
        for i, (key, f) in enumerate(m.order.products.items()):
            if self._field(f"r{i}", f):
                layout.products.append((key, f"r{i}"))
        if m.order.computes_total:
            layout.total = "__total"

    def _group_keys(self) -> None:
        for i, column in enumerate(self.mapping.order.group_by if self.mapping.order else ()):
            text = self._cols.text(column, "order.group_by")
            self.layout.group.append(f"__g{i}")
            self._value(f"__g{i}", text)
            self._problem(column, f"CASE WHEN __g{i} IS NULL THEN 'order.group_by: is empty' END")

    def _line_hash(self) -> str:
        """What identifies an ungrouped line: the key columns, or every column of the file."""
        for name in self.mapping.key:
            self._cols.check(name, "event.key")
        names = self.mapping.key or self._file_columns
        hashed = ", ".join([sql.literal(self.mapping.type), *(self._cols.raw(n) for n in names)])
        return f", sha256(to_json(list_value({hashed}))) AS __hash"

    def _kept(self) -> list[str]:
        layout = self.layout
        kept = [LINE, "__user", "__anon", "__event", "__ts", *layout.group]
        kept += [c for _, c in layout.properties + layout.traits]
        kept += [c for c in (layout.order_id, "__total" if layout.mapped_total else None) if c]
        if layout.total and not layout.mapped_total:  # quantity × price, summed per order
            quantity, price = (dict(layout.products)[k] for k in ("quantity", "price"))
            kept.append(f"CAST({quantity} AS HUGEINT) * {price} AS __line_total")
        return kept

    def _message_id(self) -> str:
        """Ungrouped: hash of the line, then `-n` for its n-th identical copy in the file."""
        if self.layout.group:
            return ""
        copy = f"(row_number() OVER (PARTITION BY __hash ORDER BY {LINE}) - 1)"
        return (f", {sql.literal(MESSAGE_PREFIX)} || left(__hash, 40) || CASE WHEN {copy} > 0 "
                f"THEN '-' || {copy} ELSE '' END AS __mid")

    def _product(self) -> str:
        if self.mapping.order is None:
            return ""
        product = members(self.mapping.order.products, dict(self.layout.products))
        return f", {sql.json_object(product)} AS __product"

    def _identity_blame(self) -> str:
        m = self.mapping
        columns = [c for f in (m.user_id, m.anonymous_id, m.guest_id) if f for c in f.columns]
        return "+".join(dict.fromkeys(columns)) or "identity"
