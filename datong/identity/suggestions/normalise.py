"""Raw person fields → the normalised record the match model compares, in DuckDB SQL.

The input is an Arrow table with `unique_id` and the text columns of `RAW_COLUMNS`, however
they were gathered (identify traits from the state store, or a benchmark's CSV); the output
has `unique_id` and `model.RECORD_COLUMNS`. Chinese names are split into surname and given
name (two-character surnames from a list, else the first character); pinyin is not
available, so 王小明 and Wang Xiaoming are not compared with each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

RAW_COLUMNS = (
    "name", "first_name", "last_name", "phone", "phone_given", "email", "birthday", "city",
    "address", "postcode",
)

# Two-character (compound) surnames, most common first.
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台",
    "公冶", "太史", "申屠", "闻人", "万俟", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于",
    "司空", "东郭", "拓跋", "第五",
)

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%d/%m/%Y", "%Y年%m月%d日")


def _text(column: str) -> str:
    """Trimmed, lower-cased, inner whitespace collapsed; empty → NULL."""
    return f"nullif(trim(regexp_replace(lower({column}), '\\s+', ' ', 'g')), '')"


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _birthday(column: str) -> str:
    """ISO date text; a birthday without a year ("05-20", "--05-20") keeps year 0000."""
    formats = _sql_list(DATE_FORMATS)
    month_day = f"regexp_extract({column}, '^-{{0,2}}([01]?[0-9])[-/.]([0-3]?[0-9])$', ['m', 'd'])"
    return f"""coalesce(
        strftime(try_strptime(left(trim({column}), 10), {formats}), '%Y-%m-%d'),
        strftime(try_strptime(trim({column}), {formats}), '%Y-%m-%d'),
        CASE WHEN {month_day}.m <> '' THEN
            '0000-' || lpad({month_day}.m, 2, '0') || '-' || lpad({month_day}.d, 2, '0') END
    )"""


_SPLIT_SQL = f"""
CREATE OR REPLACE TEMP TABLE _named AS
SELECT *,
    regexp_full_match(replace(coalesce(name_clean, ''), ' ', ''), '[\\p{{Han}}·]+') AS han,
    CASE WHEN list_contains({_sql_list(COMPOUND_SURNAMES)}, left(replace(name_clean, ' ', ''), 2))
         THEN 2 ELSE 1 END AS surname_chars,
    string_split(name_clean, ' ') AS tokens
FROM (
    SELECT *, {_text("replace(replace(name, '，', ','), '　', ' ')")} AS name_clean
    FROM _raw
)
"""

_RECORD_SQL = f"""
SELECT
    unique_id,
    coalesce({_text("first_name")}, CASE
        WHEN han THEN nullif(substr(replace(name_clean, ' ', ''), surname_chars + 1), '')
        WHEN contains(name_clean, ',') THEN nullif(trim(split_part(name_clean, ',', 2)), '')
        ELSE tokens[1] END) AS given_name,
    coalesce({_text("last_name")}, CASE
        WHEN han THEN left(replace(name_clean, ' ', ''), surname_chars)
        WHEN contains(name_clean, ',') THEN nullif(trim(split_part(name_clean, ',', 1)), '')
        WHEN len(tokens) > 1 THEN tokens[-1] END) AS surname,
    coalesce(nullif(trim(name), ''), nullif(trim(concat_ws(' ', first_name, last_name)), ''))
        AS full_name,
    phone_digits AS phone,
    coalesce(right(phone_digits, 4),
             nullif(regexp_extract(phone_given, '^\\+?[0-9 -]*[*xX#]+ ?([0-9]{{4}})$', 1), ''),
             nullif(regexp_extract(phone_given, '^([0-9]{{4}})$', 1), '')) AS phone_last4,
    {_text("email")} AS email,
    {_birthday("birthday")} AS dob,
    regexp_replace({_text("city")}, '市$', '') AS city,
    {_text("regexp_replace(address, '[,，.。#]', ' ', 'g')")} AS address,
    nullif(upper(regexp_replace(postcode, '\\s', '', 'g')), '') AS postcode
FROM (
    SELECT *, CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 7
                   THEN regexp_replace(phone, '[^0-9]', '', 'g') END AS phone_digits
    FROM _named
)
"""


def normalise_records(con: duckdb.DuckDBPyConnection, raw: pa.Table) -> pa.Table:
    """The normalised records of `raw` (see the module docstring), one per `unique_id`."""
    con.register("_raw", raw)
    try:
        con.execute(_SPLIT_SQL)
        table = con.sql(_RECORD_SQL).to_arrow_table()
        con.execute("DROP TABLE _named")
    finally:
        con.unregister("_raw")
    return table
