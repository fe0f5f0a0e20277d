"""Coupon templates: created and changed by marketers; each change of terms is a new version,
and a coupon keeps the version it was issued under."""

from __future__ import annotations

from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, bindparam, func, select, update

from datong.auth.tokens import Principal
from datong.errors import Invalid, NotFound
from datong.offers.access import actor, require_manager
from datong.offers.places import check_codes
from datong.offers.schemas import TemplateCreate, TemplateUpdate
from datong.offers.tables import coupon_template_versions, coupon_templates, coupons
from datong.offers.terms import Terms
from datong.store.raw import RawStatement
from datong.store.types import utcnow


def create_template(*, db: Connection, principal: Principal, data: TemplateCreate
                    ) -> dict[str, Any]:
    require_manager(principal, "creating a coupon template")
    terms = data.terms()
    check_codes(db, terms.stores)
    now, who = utcnow(), actor(principal)
    result = db.execute(coupon_templates.insert().values(
        name=data.name.strip(), status="active", version=1, stock=data.stock, issued=0,
        per_person_limit=data.per_person_limit, created_at=now, created_by=who, updated_at=now))
    assert result.inserted_primary_key is not None
    template_id = int(result.inserted_primary_key[0])
    _write_version(db, template_id, 1, terms, who)
    return get_template(db=db, template_id=template_id)


def _write_version(db: Connection, template_id: int, version: int, terms: Terms,
                   who: str) -> None:
    db.execute(coupon_template_versions.insert().values(
        template_id=template_id, version=version, terms=terms.model_dump(mode="json"),
        created_at=utcnow(), created_by=who))


def update_template(*, db: Connection, principal: Principal, template_id: int,
                    changes: TemplateUpdate) -> dict[str, Any]:
    """Change a template; changed terms become a new version."""
    require_manager(principal, "changing a coupon template")
    row = _template_row(db, template_id, lock=True)
    values: dict[str, Any] = {"updated_at": utcnow()}
    if changes.terms:
        current = load_terms(db, template_id, row.version).model_dump()
        try:
            terms = Terms(**{**current, **changes.terms})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "terms"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise Invalid(f"terms.{where}: {message}", field=f"terms.{where}") from None
        check_codes(db, terms.stores)
        values["version"] = row.version + 1
        _write_version(db, template_id, row.version + 1, terms, actor(principal))
    if changes.stock is not None or changes.unlimited_stock:
        stock = None if changes.unlimited_stock else changes.stock
        if stock is not None and stock < row.issued:
            raise Invalid(f"stock cannot go below the {row.issued} already issued",
                          field="stock", code="stock_below_issued",
                          params={"issued": int(row.issued)})
        values["stock"] = stock
    for name in ("name", "per_person_limit", "status"):
        if getattr(changes, name) is not None:
            values[name] = getattr(changes, name)
    db.execute(update(coupon_templates).where(coupon_templates.c.id == template_id)
               .values(**values))
    return get_template(db=db, template_id=template_id)


def _template_row(db: Connection, template_id: int, *, lock: bool = False) -> Any:
    query = select(coupon_templates).where(coupon_templates.c.id == template_id)
    row = db.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no coupon template {template_id}", field="template_id")
    return row


class TemplateRow(NamedTuple):
    """A coupon template as the issuing paths read it."""

    id: int
    name: str
    status: str
    version: int
    stock: int | None
    issued: int
    per_person_limit: int
    terms: Any


# Through the driver: every claim reads it, a claim storm thousands of times a second.
_WITH_TERMS = RawStatement("""
    SELECT t.id, t.name, t.status, t.version, t.stock, t.issued, t.per_person_limit, v.terms
    FROM coupon_templates t
    JOIN coupon_template_versions v ON v.template_id = t.id AND v.version = t.version
    WHERE t.id = :template_id""", result_json=(7,))


def template_with_terms(db: Connection, template_id: int) -> tuple[TemplateRow, Terms]:
    """The template row and the terms of its current version, in one query."""
    found = _WITH_TERMS.one(db, {"template_id": template_id})
    if found is None:
        raise NotFound(f"no coupon template {template_id}", field="template_id")
    row = TemplateRow(*found)
    return row, version_terms(db, row.id, row.version, row.terms)


_VERSION_TERMS = select(coupon_template_versions.c.terms).where(
    coupon_template_versions.c.template_id == bindparam("template_id"),
    coupon_template_versions.c.version == bindparam("version"))


def load_terms(db: Connection, template_id: int, version: int) -> Terms:
    known = _TERMS.get(db.engine, {}).get((template_id, version))
    if known is not None:
        return known
    terms = db.execute(_VERSION_TERMS, {"template_id": template_id, "version": version}
                       ).scalar()
    if terms is None:
        raise NotFound(f"coupon template {template_id} has no version {version}")
    return version_terms(db, template_id, version, terms)


# (template, version) → terms, per database: a version's terms never change once written,
# and parsing them is the largest cost of reading a coupon on the hot paths.
_TERMS: WeakKeyDictionary[Engine, dict[tuple[int, int], Terms]] = WeakKeyDictionary()


def version_terms(db: Connection, template_id: int, version: int, raw: Any) -> Terms:
    """The parsed terms of one version (`raw` as stored), parsed once per process."""
    known = _TERMS.setdefault(db.engine, {})
    key = (int(template_id), int(version))
    terms = known.get(key)
    if terms is None:
        if len(known) > 10_000:
            known.clear()
        terms = known[key] = Terms.model_validate(raw)
    return terms


def get_template(*, db: Connection, template_id: int) -> dict[str, Any]:
    row = _template_row(db, template_id)
    counts: dict[str, int] = dict(db.execute(
        select(coupons.c.status, func.count()).where(coupons.c.template_id == template_id)
        .group_by(coupons.c.status)).all())
    return {
        "id": row.id, "name": row.name, "status": row.status, "version": row.version,
        "stock": row.stock, "issued": row.issued,
        "remaining": None if row.stock is None else row.stock - row.issued,
        "per_person_limit": row.per_person_limit,
        "terms": load_terms(db, template_id, row.version).model_dump(mode="json"),
        "coupons": {s: int(counts.get(s, 0)) for s in ("issued", "redeemed", "expired")},
        "created_at": row.created_at, "created_by": row.created_by,
        "updated_at": row.updated_at,
    }


def list_templates(*, db: Connection, status: str | None = None) -> list[dict[str, Any]]:
    query = select(coupon_templates.c.id).order_by(coupon_templates.c.id)
    if status is not None:
        query = query.where(coupon_templates.c.status == status)
    return [get_template(db=db, template_id=i) for i in db.execute(query).scalars()]


def template_versions(*, db: Connection, template_id: int) -> list[dict[str, Any]]:
    _template_row(db, template_id)
    rows = db.execute(select(coupon_template_versions)
                      .where(coupon_template_versions.c.template_id == template_id)
                      .order_by(coupon_template_versions.c.version)).mappings()
    return [dict(r) for r in rows]
