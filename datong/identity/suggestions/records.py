"""One record per current person, gathered from the state store in bulk.

The latest value of each trait (by event time) over the identify events linked to the
person's identifiers, and the person's newest phone and email identifiers. The phone is the
latest one given in the traits, put in E.164 by the identity rules (a phone the rules kept
off this person, e.g. in a refused merge, is exactly the evidence wanted here), else the
newest phone identifier. The store is read with two set-based queries; the rest is DuckDB
over Arrow tables (and the phone rules over distinct values), never a query per person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, Text, cast, select

from datong.identity.rules import Rules
from datong.identity.suggestions.normalise import RAW_COLUMNS, normalise_records
from datong.identity.tables import identifiers, observations, persons
from datong.ingest.tables import events

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

CHUNK = 50_000

# Trait paths read for each raw field, first found wins (Segment's reserved traits first).
TRAIT_PATHS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "fullName"),
    "first_name": ("firstName", "first_name", "given_name"),
    "last_name": ("lastName", "last_name", "surname"),
    "phone_given": ("phone", "mobile", "phone_number", "phoneNumber", "phone_last4",
                      "phoneLast4"),
    "email": ("email",),
    "birthday": ("birthday", "dob", "date_of_birth", "birthdate"),
    "city": ("address.city", "city"),
    "address": ("address.street", "street", "address"),
    "postcode": ("address.postalCode", "address.postal_code", "postalCode", "postal_code",
                 "postcode", "zip"),
}

# A masked or partial phone ("139****5678", "5678") is not a phone number to normalise.
_PARTIAL_PHONE = re.compile(r"[*xX#]|^\d{1,6}$")

# A record is compared only when it has this many of these fields: a city alone says little.
EVIDENCE = ("given_name", "surname", "phone_last4", "email", "dob", "address", "postcode")
MIN_EVIDENCE = 2


def _trait_sql(field: str) -> str:
    parts = []
    for path in TRAIT_PATHS[field]:
        json_path = "$." + path
        if path == "address":  # a string, unless it is Segment's address object
            parts.append(f"CASE WHEN json_type(j, '{json_path}') = 'VARCHAR' "
                         f"THEN j->>'{json_path}' END")
        else:
            parts.append(f"nullif(trim(j->>'{json_path}'), '')")
    return f"coalesce({', '.join(parts)})"


_LATEST = ",\n".join(
    f"arg_max({f}, (ts, event_id)) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in TRAIT_PATHS)

_RAW_SQL = f"""
WITH fields AS (
    SELECT person_id, ts, event_id,
        {", ".join(f"{_trait_sql(f)} AS {f}" for f in TRAIT_PATHS)}
    FROM (SELECT person_id, ts, event_id, TRY_CAST(traits AS JSON) AS j FROM _traits)
    WHERE json_type(j) = 'OBJECT'
),
latest AS (SELECT person_id, {_LATEST} FROM fields GROUP BY person_id),
ids AS (
    SELECT person_id,
        arg_max(value, (first_seen, value)) FILTER (WHERE type = 'phone') AS phone,
        arg_max(value, (first_seen, value)) FILTER (WHERE type = 'email') AS email
    FROM _identifiers GROUP BY person_id
)
SELECT coalesce(l.person_id, i.person_id) AS unique_id,
    {", ".join(
        "i.phone AS phone" if c == "phone" else
        "coalesce(i.email, l.email) AS email" if c == "email" else
        f"l.{c} AS {c}" for c in RAW_COLUMNS)}
FROM latest l FULL OUTER JOIN ids i ON i.person_id = l.person_id
ORDER BY unique_id
"""


def _current(query: Select[Any], person_ids: Sequence[int] | None) -> Select[Any]:
    query = query.where(persons.c.merged_into.is_(None))
    return query if person_ids is None else query.where(persons.c.id.in_(list(person_ids)))


def _traits_query(person_ids: Sequence[int] | None) -> Select[Any]:
    linked = _current(
        select(identifiers.c.person_id, observations.c.event_id)
        .join(persons, persons.c.id == identifiers.c.person_id)
        .join(observations, observations.c.identifier_id == identifiers.c.id)
        .where(observations.c.status == "linked"), person_ids,
    ).distinct().subquery()
    return (select(linked.c.person_id, events.c.id, events.c.timestamp,
                   cast(events.c.traits, Text))
            .join(events, events.c.id == linked.c.event_id)
            .where(events.c.type == "identify", events.c.traits.is_not(None)))


def _identifiers_query(person_ids: Sequence[int] | None) -> Select[Any]:
    return _current(
        select(identifiers.c.person_id, identifiers.c.type, identifiers.c.value,
               identifiers.c.first_seen_at)
        .join(persons, persons.c.id == identifiers.c.person_id)
        .where(identifiers.c.type.in_(("phone", "email"))), person_ids)


def _arrow(db: Connection, query: Select[Any], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    batches = []
    result = db.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        batches.append(pa.record_batch(
            [pa.array(list(col), f.type) for col, f in zip(columns, schema, strict=True)],
            schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


def load_raw(con: duckdb.DuckDBPyConnection, *, db: Connection,
             person_ids: Sequence[int] | None = None) -> pa.Table:
    """unique_id (the person) and the raw fields, as the person's traits give them."""
    import pyarrow as pa

    utc = pa.timestamp("us", tz="UTC")
    traits = _arrow(db, _traits_query(person_ids), pa.schema(
        [("person_id", pa.int64()), ("event_id", pa.int64()), ("ts", utc),
         ("traits", pa.string())]))
    idents = _arrow(db, _identifiers_query(person_ids), pa.schema(
        [("person_id", pa.int64()), ("type", pa.string()), ("value", pa.string()),
         ("first_seen", utc)]))
    con.register("_traits", traits)
    con.register("_identifiers", idents)
    try:
        return con.sql(_RAW_SQL).to_arrow_table()
    finally:
        con.unregister("_traits")
        con.unregister("_identifiers")


def _given_phones_first(raw: pa.Table, rules: Rules) -> pa.Table:
    """`phone` := the given phone in E.164 when the rules accept it, else the identifier."""
    import pyarrow as pa
    import pyarrow.compute as pc

    given = raw.column("phone_given")
    e164 = {v: rules.normalise("phone", v) for v in pc.unique(given).to_pylist()
            if v is not None and not _PARTIAL_PHONE.search(v)}
    normalised = pa.array([e164.get(v) for v in given.to_pylist()], pa.string())
    phone = pc.coalesce(normalised, raw.column("phone"))
    return raw.set_column(raw.schema.get_field_index("phone"), "phone", phone)


def load_records(*, db: Connection, rules: Rules,
                 person_ids: Sequence[int] | None = None) -> pa.Table:
    """The normalised records of current persons with enough to compare (see EVIDENCE)."""
    import duckdb

    with duckdb.connect() as con:
        raw = _given_phones_first(load_raw(con, db=db, person_ids=person_ids), rules)
        records = normalise_records(con, raw)
        con.register("_records", records)
        enough = " + ".join(f"({c} IS NOT NULL)::INT" for c in EVIDENCE)
        return con.sql(f"SELECT * FROM _records WHERE {enough} >= {MIN_EVIDENCE}"
                       ).to_arrow_table()


def person_traits(*, db: Connection, person_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The raw fields of each given current person, as an admin judging a pair sees them."""
    import duckdb

    if not person_ids:
        return {}
    with duckdb.connect() as con:
        rows = load_raw(con, db=db, person_ids=sorted(set(person_ids))).to_pylist()
    return {row.pop("unique_id"): row for row in rows}
