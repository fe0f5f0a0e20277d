"""`datong import` as a user runs it: a separate process configured by DATONG_* variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from datong.ingest.tables import events, import_runs
from datong.settings import Settings
from tests.conftest import Cast

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def datong(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATONG_DATA_DIR": str(settings.data_dir),
           "DATONG_DATABASE_URL": settings.database_url, "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "datong", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_import_prints_a_summary_and_writes_rejects(settings: Settings, engine: Engine,
                                                    cast: Cast) -> None:
    result = datong(settings, "import", str(EXAMPLES / "pos_export.csv"), "--source", "pos",
                    "--mapping", str(EXAMPLES / "pos_export.toml"))
    assert result.returncode == 0, result.stderr
    summary = {line.strip("│ ").split("│")[0].strip(): line.strip("│ ").split("│")[-1].strip()
               for line in result.stdout.splitlines() if line.count("│") == 3}
    assert {k: summary[k] for k in ("rows read", "events built", "inserted",
                                    "duplicates skipped", "rejected rows")} == {
        "rows read": "7", "events built": "4", "inserted": "4", "duplicates skipped": "0",
        "rejected rows": "2"}
    rejects = settings.data_dir / "rejects" / "pos_export.run1.rejects.csv"
    assert str(rejects) in result.stdout.replace("\n", "")
    assert rejects.read_text(encoding="utf-8").splitlines()[0].startswith(
        "file,line,field,reason,receipt_no,")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 4
        run = conn.execute(select(import_runs)).mappings().one()
    assert (run["rows_read"], run["events_inserted"], run["rejected"]) == (7, 4, 2)


def test_a_bad_mapping_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "data")
    mapping = tmp_path / "bad.toml"
    mapping.write_text((EXAMPLES / "pos_export.toml").read_text(encoding="utf-8")
                       .replace('currency = "CNY"', 'currency = "元"'), encoding="utf-8")
    result = datong(settings, "import", str(EXAMPLES / "pos_export.csv"), "--source", "pos",
                    "--mapping", str(mapping))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert "error (money.currency):" in message and "bad.toml: money.currency:" in message
    assert "ISO 4217" in message
