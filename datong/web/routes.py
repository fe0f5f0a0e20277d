"""Console pages (a home page for now; the full console is its own issue)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from datong.ingest.tables import events, sources
from datong.stores.tables import stores
from datong.web.i18n import pick_language, translator

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: str | None = None) -> HTMLResponse:
    language = pick_language(lang, request.headers.get("accept-language"))
    runtime = request.app.state.runtime
    with runtime.engine.connect().execution_options(readonly=True) as conn:
        counts = {
            "events": conn.execute(select(func.count()).select_from(events)).scalar_one(),
            "stores": conn.execute(select(func.count()).select_from(stores)).scalar_one(),
            "sources": conn.execute(select(func.count()).select_from(sources)).scalar_one(),
        }
    return templates.TemplateResponse(
        request,
        "home.html",
        {"t": translator(language), "lang": language, "counts": counts,
         "other": "en" if language == "zh-CN" else "zh-CN"},
    )
