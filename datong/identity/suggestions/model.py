"""The match model as data: which fields are compared how, which pairs are scored, and the
prior m/u probabilities used until there is enough data to estimate them.

Every SQL fragment is DuckDB SQL over a normalised person record (see `normalise.py`);
Splink names the two sides of a pair `<column>_l` and `<column>_r`. Nothing here imports
Splink, so `import datong` stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The columns of a normalised record, beside `unique_id` (the person id).
RECORD_COLUMNS = (
    "given_name", "surname", "full_name", "phone", "phone_last4", "email", "dob", "city",
    "address", "postcode",
)


@dataclass(frozen=True)
class Level:
    """One comparison level: `m` is P(level | match), `u` is P(level | non-match)."""

    label: str
    sql: str
    m: float
    u: float


@dataclass(frozen=True)
class Field:
    """A comparison of one field; `null_sql` is true when the pair carries no evidence."""

    name: str
    null_sql: str
    levels: tuple[Level, ...]  # most specific first; the last one is the else level

    def splink(self) -> dict[str, Any]:
        null = {"sql_condition": self.null_sql, "label_for_charts": "null",
                "is_null_level": True}
        levels = [{"sql_condition": lv.sql, "label_for_charts": lv.label,
                   "m_probability": lv.m, "u_probability": lv.u} for lv in self.levels]
        return {"output_column_name": self.name, "comparison_levels": [null, *levels]}

    def label(self, gamma: int) -> str:
        """The level's label from Splink's comparison vector value (-1 null, 0 else, ...)."""
        if gamma < 0:
            return "null"
        return self.levels[len(self.levels) - 1 - gamma].label


def _either_null(*columns: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)


def _one_edit(column: str) -> str:
    """At most one edit, counted in characters. DuckDB's levenshtein counts bytes, so a
    single changed Chinese character (three UTF-8 bytes) is allowed three byte edits."""
    return (f"levenshtein({column}_l, {column}_r) <= "
            f"ceil(strlen({column}_l) / greatest(length({column}_l), 1))")


ELSE = "ELSE"

NAME = Field(
    "name",
    "(given_name_l IS NULL AND surname_l IS NULL) OR (given_name_r IS NULL AND surname_r IS NULL)",
    (
        Level("exact", "given_name_l = given_name_r AND surname_l = surname_r", 0.75, 0.0002),
        Level("reversed",  # surname and given name swapped, allowing a typo
              "jaro_winkler_similarity(given_name_l, surname_r) >= 0.9 AND "
              "jaro_winkler_similarity(surname_l, given_name_r) >= 0.9", 0.02, 0.00001),
        Level("one_edit",
              f"(surname_l = surname_r AND {_one_edit('given_name')}) OR "
              f"(given_name_l = given_name_r AND {_one_edit('surname')})", 0.1, 0.001),
        Level("similar",
              "jaro_winkler_similarity(given_name_l, given_name_r) >= 0.88 AND "
              "jaro_winkler_similarity(surname_l, surname_r) >= 0.88", 0.04, 0.002),
        Level("surname", "surname_l = surname_r", 0.03, 0.02),
        Level("given_name", "given_name_l = given_name_r", 0.03, 0.005),
        Level("different", ELSE, 0.03, 0.97279),
    ),
)

PHONE = Field(
    "phone",
    _either_null("phone_last4"),
    (
        Level("exact", "phone_l = phone_r", 0.7, 0.00001),
        Level("one_edit", "levenshtein(phone_l, phone_r) <= 1", 0.1, 0.0001),
        Level("last4", "phone_last4_l = phone_last4_r", 0.15, 0.0001),
        Level("different", ELSE, 0.05, 0.99979),
    ),
)

EMAIL = Field(
    "email",
    _either_null("email"),
    (
        Level("exact", "email_l = email_r", 0.8, 0.00001),
        Level("username",
              "regexp_extract(email_l, '^[^@]+') = regexp_extract(email_r, '^[^@]+')",
              0.08, 0.0001),
        Level("similar", "jaro_winkler_similarity(email_l, email_r) >= 0.88", 0.07, 0.001),
        Level("different", ELSE, 0.05, 0.99889),
    ),
)

DOB = Field(
    "dob",
    _either_null("dob"),
    (
        # "0000" is a birthday given without the year: only the month and day can agree.
        Level("exact", "dob_l = dob_r AND NOT starts_with(dob_l, '0000')", 0.8, 0.00005),
        Level("one_edit", "levenshtein(dob_l, dob_r) <= 1", 0.08, 0.0005),
        Level("month_day", "substr(dob_l, 6) = substr(dob_r, 6)", 0.07, 0.003),
        Level("different", ELSE, 0.05, 0.99645),
    ),
)

CITY = Field(
    "city",
    _either_null("city"),
    (
        Level("exact", "city_l = city_r", 0.85, 0.1),
        Level("similar", "jaro_winkler_similarity(city_l, city_r) >= 0.9", 0.05, 0.01),
        Level("different", ELSE, 0.1, 0.89),
    ),
)

ADDRESS = Field(
    "address",
    _either_null("address"),
    (
        Level("exact", "address_l = address_r", 0.6, 0.0001),
        Level("similar", "jaro_winkler_similarity(address_l, address_r) >= 0.9", 0.2, 0.001),
        Level("close", "jaro_winkler_similarity(address_l, address_r) >= 0.75", 0.1, 0.05),
        Level("different", ELSE, 0.1, 0.9489),
    ),
)

POSTCODE = Field(
    "postcode",
    _either_null("postcode"),
    (
        Level("exact", "postcode_l = postcode_r", 0.85, 0.002),
        Level("one_edit", "levenshtein(postcode_l, postcode_r) <= 1", 0.08, 0.02),
        Level("different", ELSE, 0.07, 0.978),
    ),
)

FIELDS: tuple[Field, ...] = (NAME, PHONE, EMAIL, DOB, CITY, ADDRESS, POSTCODE)

# Which pairs get scored at all: each rule pairs two strong fields, so that a typo in one
# field still leaves the pair in another block, and no block grows with a common surname.
BLOCKING_RULES = (
    "l.phone = r.phone",
    "l.phone_last4 = r.phone_last4 AND l.surname = r.surname",
    "l.phone_last4 = r.phone_last4 AND l.given_name = r.given_name",
    "l.phone_last4 = r.phone_last4 AND l.dob = r.dob",
    "l.given_name = r.given_name AND l.surname = r.surname",
    "l.dob = r.dob AND l.surname = r.surname",
    "l.dob = r.dob AND l.given_name = r.given_name",
    "l.dob = r.dob AND l.city = r.city",
    "l.surname = r.surname AND l.city = r.city AND l.postcode = r.postcode",
    "l.address = r.address AND l.postcode = r.postcode",
    "l.email = r.email",
)

# Expectation maximisation runs once per block (pairs equal on these columns); each
# estimates m for the fields it does not block on, so together they cover every field.
TRAINING_BLOCKS = (("dob",), ("given_name", "surname"))
MIN_TRAINING_PAIRS = 100  # fewer pairs in a block and its pass is skipped


def equal_on(columns: tuple[str, ...]) -> str:
    """A blocking rule: the two records are equal on every one of `columns`."""
    return " AND ".join(f"l.{c} = r.{c}" for c in columns)


# Pairs this sure are counted to estimate how many true matches there are among all pairs,
# assuming they find this share of them.
DETERMINISTIC_RULES = (
    "l.given_name = r.given_name AND l.surname = r.surname AND l.dob = r.dob",
    "l.phone = r.phone AND l.surname = r.surname",
    "l.email = r.email",
)
DETERMINISTIC_RECALL = 0.6

# Below this many records the priors above are used as they are: estimates from a few
# hundred people would be noise.
MIN_RECORDS_TO_TRAIN = 500

# Without training: the share of people expected to have a duplicate.
PRIOR_DUPLICATE_SHARE = 0.05


def prior_match_probability(records: int) -> float:
    """P(two random records match) when it cannot be estimated from the data."""
    return min(0.5, PRIOR_DUPLICATE_SHARE / max(records - 1, 1))


def splink_settings(probability_two_random_records_match: float) -> dict[str, Any]:
    """The Splink settings dictionary for deduplicating person records."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "comparisons": [f.splink() for f in FIELDS],
        "blocking_rules_to_generate_predictions": list(BLOCKING_RULES),
        "retain_matching_columns": True,  # keeps the gamma_ (level) columns
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }
