"""How to sign in to the demo and call its API, written to <data_dir>/demo-credentials.txt."""

from __future__ import annotations

import os
from pathlib import Path

from datong.demo.setup import Setup
from datong.demo.world import BRAND, DEMO_PASSWORD, StoreSpec, staff_roster

FILE_NAME = "demo-credentials.txt"
BASE_URL = "http://127.0.0.1:8000"


def credentials_text(setup: Setup, stores: tuple[StoreSpec, ...], *, first: bool) -> str:
    """The whole sheet on a first write; afterwards only what was just created."""
    lines: list[str] = []
    if first:
        lines += [
            f"datong demo — {BRAND}. Start the server with `datong serve`, then open {BASE_URL}/",
            "",
            f"Staff accounts (console sign-in), password for every one: {DEMO_PASSWORD}",
            *(_staff_line(p.username, p.role, p.store_code) for p in staff_roster(stores)),
        ]
    elif setup.staff_created:
        lines += [f"New staff accounts (password {DEMO_PASSWORD}):",
                  *(_staff_line(p.username, p.role, p.store_code) for p in setup.staff_created)]
    if setup.admin_token:
        lines += [
            "", "Admin API token (Authorization: Bearer ...):", f"  {setup.admin_token}",
            f"  curl -H 'Authorization: Bearer {setup.admin_token}' "
            f"'{BASE_URL}/api/v1/events?limit=5'",
        ]
    if setup.write_keys:
        lines += ["", "Source write keys (Segment/RudderStack SDKs: the write key is the "
                      "basic-auth user, the password empty):"]
        lines += [f"  {name:<14} {key}" for name, key in setup.write_keys.items()]
        name, key = next(iter(setup.write_keys.items()))
        lines += [
            f"  curl -u '{key}:' {BASE_URL}/v1/track -H 'Content-Type: application/json' \\",
            "    -d '{\"userId\": \"u00000001\", \"event\": \"Product Viewed\", "
            "\"properties\": {\"product_id\": \"DR001\"}}'",
        ]
    if first and (setup.admin_token is None or len(setup.write_keys) < 5):
        lines += ["", "Tokens and write keys made before the demo ran are not shown again; make "
                      "new ones with `datong tokens add` and `datong sources add`."]
    return "\n".join(lines) + "\n"


def write_credentials(data_dir: Path, setup: Setup, stores: tuple[StoreSpec, ...]) -> Path | None:
    """Write (or append to) the credentials file; None when there was nothing new to say."""
    path = data_dir / FILE_NAME
    first = not path.exists()
    if not first and not setup.created_anything:
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    text = credentials_text(setup, stores, first=first)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # secrets: owner only
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text if first else "\n" + text)
    return path


def _staff_line(username: str, role: str, store: str | None) -> str:
    return f"  {username:<16} {role:<14} {store or ''}".rstrip()
