"""``/api/briefs``: a situation brief for a country or region and month, as HTML, Markdown or
PDF, built from the store on request (the forecast section reads stored forecasts only)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sahelwatch.errors import QueryError
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import read_store

router = APIRouter(tags=["briefs"])

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
}


#: The brief's stylesheet, relative to ``/api/briefs`` (the dashboard's Content-Security-Policy
#: forbids inline style, so a served brief links it).
STYLESHEET = "briefs/style.css"


def _brief_bytes(
    store: RequestStore,
    country: str | None,
    region: str | None,
    month: str | None,
    fmt: Literal["html", "md", "pdf"],
    base_url: str,
) -> bytes:
    from sahelwatch.brief import build, render

    # Markdown links its figures as files beside it, which one response cannot carry.
    built = build(
        store, country=country, region=region, month=month, forecast="stored", figures=fmt != "md"
    )
    with tempfile.TemporaryDirectory(prefix="sw-brief-") as tmp:
        path = Path(tmp) / f"brief.{fmt}"
        return render(built, fmt, path, base_url=base_url, stylesheet=STYLESHEET).read_bytes()


@router.get("/api/briefs/style.css", summary="The briefs' stylesheet", include_in_schema=False)
def brief_style() -> Response:
    """The stylesheet served briefs link (also inlined in briefs written to files)."""
    from importlib import resources

    css = (resources.files("sahelwatch.brief") / "templates" / "brief.css").read_bytes()
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/api/briefs",
    summary="A situation brief (HTML, Markdown or PDF)",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def briefs(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[
        str | None, Query(max_length=60, description="ISO3, GW code or name.")
    ] = None,
    region: Annotated[str | None, Query(max_length=20, description="A region: sahel.")] = None,
    month: Annotated[
        str | None, Query(max_length=7, description="YYYY-MM (default: newest covered).")
    ] = None,
    format: Annotated[
        Literal["html", "md", "markdown", "pdf"], Query(description="`markdown` is `md`.")
    ] = "html",
) -> Response:
    """Headline, key figures with their change, where violence was, who fought whom, the
    forecast and how good it has been, and the coverage behind every number; each figure
    links to the events it counts (absolute links into this API). Takes a few seconds (maps
    and charts are drawn)."""
    if (country is None) == (region is None):
        raise QueryError("give either a country or a region, not both and not neither.")
    fmt: Literal["html", "md", "pdf"] = "md" if format == "markdown" else format
    base = str(request.base_url)
    body = await run_in_threadpool(_brief_bytes, store, country, region, month, fmt, base)
    label = re.sub(r"[^a-z0-9-]+", "", f"{country or region}-{month or 'latest'}".lower())
    name = f"sahelwatch-{label}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
