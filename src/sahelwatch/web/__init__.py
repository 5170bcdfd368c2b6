"""The web layer: a FastAPI app (JSON, GeoJSON and CSV API) and the dashboard it serves.

::

    from sahelwatch.web import create_app, serve
    serve("store.duckdb", port=8000)            # http://127.0.0.1:8000/

Importing :mod:`sahelwatch` does not import this package (nor FastAPI).
"""

from __future__ import annotations

from sahelwatch.extras import needs

with needs("web"):
    from sahelwatch.web.app import create_app
    from sahelwatch.web.server import serve

__all__ = ["create_app", "serve"]
