"""Running the web app with uvicorn: :func:`serve`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

__all__ = ["serve"]

log = logging.getLogger("sahelwatch.web")


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    api_keys: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    log_level: str = "info",
    access_log: bool = True,
    cache_bytes: int = 256 * 2**20,
) -> None:
    """Serve the API and dashboard over the store at ``db_path`` until interrupted.

    Parameters
    ----------
    db_path : the store file (built by ``sahelwatch ingest``).
    host, port : where to listen; the default, loopback only, is not reachable from other
        machines (put a TLS-terminating reverse proxy in front to publish it).
    api_keys, cors_origins, tiles_url, tiles_attribution : see
        :func:`sahelwatch.web.app.create_app` (the ``SAHELWATCH_*`` environment variables
        are read too).
    log_level : uvicorn's log level.
    access_log : log one line per request (method, path, query, status; never headers, so
        never an API key).
    cache_bytes : memory for cached responses (0: no response cache).

    Examples
    --------
    ``serve("store.duckdb", port=8080)`` answers on http://127.0.0.1:8080/ until stopped.
    """
    import uvicorn

    from sahelwatch.web.app import create_app

    app = create_app(
        db_path,
        api_keys=api_keys,
        cors_origins=cors_origins,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        cache_bytes=cache_bytes,
    )
    log.info("serving %s on http://%s:%d/", Path(db_path).name, host, port)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        server_header=False,
        proxy_headers=False,
        limit_concurrency=512,
        timeout_keep_alive=15,
    )
