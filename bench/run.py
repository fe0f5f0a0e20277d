"""`make bench`: every benchmark in turn, each in its own process, against its baseline.

    python -m bench.run [--only ingest,import,lake,demo,febrl,graph,lookup] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

SUITES = {
    "ingest": ["bench.ingest_bench"],
    "import": ["bench.import_bench"],
    "lake": ["bench.lake_bench"],
    "demo": ["bench.demo_load", "--size", "medium"],
    "febrl": ["bench.febrl_eval"],
    "graph": ["bench.identity_graph_bench"],
    "lookup": ["bench.profile_lookup_bench"],
}
QUICK = {
    "ingest": ["--batches", "300"],
    "lake": ["--events", "200000"],
    "demo": [],
    "import": [],
    "febrl": ["--datasets", "1"],
    "graph": ["--edges", "1000000", "--rebuild-edges", "200000"],
    "lookup": ["--persons", "100000", "--requests", "3000"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="ingest,import,lake")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke check")
    opts = parser.parse_args()
    failed = []
    for name in opts.only.split(","):
        args = [sys.executable, "-m", *SUITES[name], *(QUICK[name] if opts.quick else [])]
        print(f"\n=== {name}: {' '.join(args[2:])}", flush=True)
        if subprocess.run(args).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
