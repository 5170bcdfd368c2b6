"""``/api/reference``: the reference facts of :mod:`sahelwatch.gazetteer` (no store needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from sahelwatch.gazetteer import reference as gazetteer_reference
from sahelwatch.web import render

router = APIRouter(tags=["store"])


@router.get("/api/reference", summary="Countries, capitals, country groups, labels")
def reference() -> Response:
    """Every country (`gw`, `iso3`, `name`, its `capital` and `seat_of_government` with
    `latitude`/`longitude` where bundled), the labels of the violence types, the event source
    families and the country-month families, and the named country groups (`sahel`: the
    countries followed, `central_sahel`: Mali, Burkina Faso, Niger, `admin2`: the countries with
    admin-2 boundaries). Static: cached."""
    return render.json_response(
        gazetteer_reference(), headers={"Cache-Control": "public, max-age=3600"}
    )
