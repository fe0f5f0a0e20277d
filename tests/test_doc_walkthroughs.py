"""The walkthroughs of docs/loyalty.md and docs/offers.md, and README's identity example,
run as written against what
`make demo` gives: a small demo world loaded by `datong demo` and a live `datong serve`,
the shell blocks run in order by bash from a folder laid out like the repository
(`.venv/bin/datong`, `examples/`, `datong-data/`). `set -e` and `curl -fsS` make any answer
that is not 2xx fail the test, except the refusals the docs show on purpose (`curl -sS`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from datong.settings import Settings
from tests.live import LiveServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOC_PORT = "http://127.0.0.1:8000"
WALKTHROUGHS = {"docs/loyalty.md": "## Trying it against `make demo`",
                "docs/offers.md": "## Try it on the demo",
                "README.md": "- **Identity and profiles**"}
BLOCK = re.compile(r"^( *)```sh\n(.*?)^\1```", re.S | re.M)


def shell_blocks(doc: str, start: str, end: str = "\n## ") -> list[str]:
    """The ```sh blocks of `doc` from the line `start` on, in order (a block indented in a
    list item too); a README walkthrough ends at its section's end."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert start in text, f"{doc} lost its walkthrough start {start!r}"
    part = text.split(start, 1)[1]
    if doc == "README.md":
        part = part.split(end, 1)[0]
    return [textwrap.dedent(body) for _, body in BLOCK.findall(part)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LiveServer]]:
    """A folder like a checkout after `make demo`, and the demo's server."""
    home = tmp_path_factory.mktemp("checkout")
    (home / ".venv").symlink_to(Path(sys.prefix))
    (home / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "DATONG_DATA_DIR": str(home / "datong-data")}
    env.pop("DATONG_DATABASE_URL", None)
    loaded = subprocess.run([str(home / ".venv/bin/datong"), "demo", "--size", "small"],
                            cwd=home, env=env, capture_output=True, text=True, timeout=900)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    settings = Settings(env="test", data_dir=home / "datong-data")
    server = LiveServer(settings, home / "server.log").start(timeout=60)
    yield home, server
    server.stop()


def _run(home: Path, server: LiveServer, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATONG_")}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=home,
                          env={**env, "COLUMNS": "160"}, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("doc", sorted(WALKTHROUGHS))
def test_the_walkthrough_runs_as_written(demo: tuple[Path, LiveServer], doc: str) -> None:
    home, server = demo
    blocks = shell_blocks(doc, WALKTHROUGHS[doc])
    script = "\n".join(blocks)
    for call in re.findall(r"\bcurl (-\S+)", script):
        assert call in ("-fsS", "-sS"), f"{doc}: a curl without -fsS or -sS: curl {call}"
    bare = re.search(r"(?<![/\w-])datong (tokens|loyalty|coupons|import|sources|serve)", script)
    assert bare is None, f"{doc}: run .venv/bin/datong, not {bare.group(0)!r}"
    result = _run(home, server, script.replace(DOC_PORT, server.url))
    assert result.returncode == 0, (
        f"{doc} stopped (exit {result.returncode})\n--- stderr\n{result.stderr[-3000:]}"
        f"\n--- stdout\n{result.stdout[-3000:]}\n--- server\n"
        f"{server.log_path.read_text()[-2000:]}")
