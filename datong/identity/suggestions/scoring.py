"""Scoring pairs of person records with Splink on DuckDB: the one code path the server, the
CLI and the FEBRL benchmark share. Splink is imported here, lazily, on first use."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datong.identity.suggestions import model

if TYPE_CHECKING:
    import pyarrow as pa

# Random pairs sampled to estimate u: past about 10x the records, more pairs change little.
U_MAX_PAIRS = 2e6
SEED = 42


@dataclass(frozen=True)
class Pair:
    """Two records scored above the threshold; `features` names each field's level."""

    id_l: int
    id_r: int
    match_probability: float
    match_weight: float
    features: dict[str, str]


@dataclass
class Scoring:
    records: int
    trained: bool
    probability_two_random_records_match: float
    pairs: list[Pair] = field(default_factory=list)
    seconds: float = 0.0


def score_records(records: pa.Table, *, threshold: float, train: bool | None = None) -> Scoring:
    """Pairs of `records` (unique_id + model.RECORD_COLUMNS) whose match probability is at
    least `threshold`. The model is trained on the records when there are enough of them
    (`train=None`), else its priors are used as they are."""
    started = time.perf_counter()
    count = records.num_rows
    train = count >= model.MIN_RECORDS_TO_TRAIN if train is None else train
    scoring = Scoring(count, train, model.prior_match_probability(count))
    if count >= 2:
        linker = _linker(records, scoring)
        if train:
            _train(linker, records)
        scoring.pairs = _predict(linker, threshold)
    scoring.seconds = time.perf_counter() - started
    return scoring


def _linker(records: pa.Table, scoring: Scoring) -> Any:
    from splink import DuckDBAPI, Linker

    frame = DuckDBAPI().register(records)
    settings = model.splink_settings(scoring.probability_two_random_records_match)
    linker = Linker(frame, settings, log_level=None)
    if scoring.trained:
        estimated = _estimate_match_share(linker)
        if estimated is not None:
            scoring.probability_two_random_records_match = estimated
    return linker


def _estimate_match_share(linker: Any) -> float | None:
    """P(two random records match) from near-certain pairs, or None when they find none."""
    training = linker.training
    try:
        training.estimate_probability_two_random_records_match(
            list(model.DETERMINISTIC_RULES), recall=model.DETERMINISTIC_RECALL)
    except ValueError:  # the rules found more pairs than the recall allows: keep the prior
        return None
    value = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    return value if value > 0 else None


def _train(linker: Any, records: pa.Table) -> None:
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for columns in model.TRAINING_BLOCKS:
        # Splink's EM fails on an empty block and leaves its settings half-changed, so a
        # block without enough pairs (e.g. nobody gave a birthday) is skipped: the fields it
        # would train keep their priors or the other pass's estimates.
        if _pairs_in_block(records, columns) >= model.MIN_TRAINING_PAIRS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                model.equal_on(columns), estimate_without_term_frequencies=True)


def _pairs_in_block(records: pa.Table, columns: tuple[str, ...]) -> int:
    import duckdb

    keys = ", ".join(columns)
    known = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    with duckdb.connect() as con:
        con.register("records", records)
        [(pairs,)] = con.sql(f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT "
                             f"count(*) AS n FROM records WHERE {known} GROUP BY {keys})"
                             ).fetchall()
    return int(pairs)


def _predict(linker: Any, threshold: float) -> list[Pair]:
    frame = linker.inference.predict(threshold_match_probability=threshold,
                                     warning_mode="never")
    rows = frame.as_pyarrow_table().to_pylist()
    frame.drop_table_from_database_and_remove_from_cache()
    return [_pair(row) for row in rows]


def _pair(row: dict[str, Any]) -> Pair:
    features = {f.name: f.label(int(row[f"gamma_{f.name}"])) for f in model.FIELDS}
    return Pair(int(row["unique_id_l"]), int(row["unique_id_r"]),
                float(row["match_probability"]), float(row["match_weight"]),
                {k: v for k, v in features.items() if v != "null"})
