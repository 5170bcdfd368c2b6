"""Shared by the API and dashboard tests: a store with forecasts, and a live server.

``web_db`` copies the session's bundled store (``bundled_path`` from conftest) once and stores a
real forecast run in it (the default model, horizons 1-3, 100 draws) with the four VIEWS
benchmarks, so that every forecast route and the fan chart have something to show.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sahelwatch.store import Store

ORIGIN = "2025-02"
HORIZONS = (1, 2, 3)
N_DRAWS = 100
BENCHMARK_MODELS = ("bootstrap", "conflictology", "last_historical", "zero")

_built: dict[Path, Path] = {}


def build_web_store(bundled_path: Path, folder: Path) -> Path:
    """A copy of the bundled store holding a model forecast and its benchmarks (built once)."""
    if bundled_path in _built:
        return _built[bundled_path]
    from sahelwatch.forecast import forecast, store_forecast

    target = folder / "web.duckdb"
    shutil.copyfile(bundled_path, target)
    with Store(target) as store:
        for model in ("blend", *BENCHMARK_MODELS):
            frame = forecast(
                store, origin=ORIGIN, horizons=HORIZONS, n_draws=N_DRAWS, model=model, workers=1
            )
            store_forecast(store, frame, ORIGIN, frame.attrs["model_version"])
    _built[bundled_path] = target
    return target


@pytest.fixture(scope="session")
def web_db(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled store with forecasts (treat as read-only; copy it to write)."""
    return build_web_store(bundled_path, tmp_path_factory.mktemp("web"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving the app in a thread on loopback."""

    def __init__(self, db: Path, **app_options: object) -> None:
        import uvicorn

        from sahelwatch.web import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        app = create_app(db, read_env=False, **app_options)  # type: ignore[arg-type]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(web_db: Path) -> Iterator[LiveServer]:
    """The app over ``web_db`` on a free loopback port."""
    with LiveServer(web_db) as server:
        yield server
