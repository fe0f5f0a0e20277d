"""The console's static files: its own CSS and scripts, and the npm packages `make install`
put in node_modules (served from there, never from the internet)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from datong.errors import NotFound

OWN = Path(__file__).with_name("static")
# The files of each npm package the console loads, by the name pages ask for.
VENDOR = {
    "chart.js": ("chart.js", "dist/chart.umd.min.js"),
    "jsqr.js": ("jsqr", "dist/jsQR.js"),
}
CACHE = "public, max-age=3600"

router = APIRouter(prefix="/console", include_in_schema=False)


def assets_dir(configured: Path | None) -> Path:
    """DATONG_CONSOLE_ASSETS_DIR, else the checkout's node_modules."""
    return configured or Path(__file__).resolve().parents[2] / "node_modules"


def vendor_file(configured: Path | None, name: str) -> Path | None:
    if name not in VENDOR:
        return None
    package, inner = VENDOR[name]
    path = assets_dir(configured) / package / inner
    return path if path.is_file() else None


@router.get("/static/{name}")
def own_file(name: str) -> FileResponse:
    path = OWN / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise NotFound(f"no console file {name!r}")
    return FileResponse(path, headers={"Cache-Control": CACHE})


@router.get("/vendor/{name}")
def vendor(request: Request, name: str) -> FileResponse:
    path = vendor_file(request.app.state.runtime.settings.console_assets_dir, name)
    if path is None:
        raise NotFound(f"the console library {name!r} is not installed; run `make install`")
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": CACHE})
