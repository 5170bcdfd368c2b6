"""Optional features and the extras that install them.

``pip install sahelwatch`` holds the store, ingest, places, panels, indicators, country
forecasts with the default model and the benchmarks, alerts and the command line. The
LightGBM models (the country ``lgbm`` and the sub-national ``located``) and backtests, the
dashboard and briefs need an extra (``pip install 'sahelwatch[forecast]'``, ``[web]``,
``[brief]``, ``[dask]``, or ``[all]``); their libraries are imported only when the feature is
used, and a missing one is a :class:`~sahelwatch.errors.MissingExtra` naming the extra::

    with needs("forecast"):
        import lightgbm
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec

from sahelwatch.errors import MissingExtra

#: The modules each extra of ``pyproject.toml`` installs, and what needs them.
EXTRAS: dict[str, tuple[tuple[str, ...], str]] = {
    "forecast": (("lightgbm", "scipy"), "the LightGBM models and backtests need"),
    "web": (("fastapi", "uvicorn", "multipart"), "the dashboard and the API need"),
    "brief": (("jinja2", "markupsafe", "matplotlib", "weasyprint"), "briefs need"),
    "dask": (("distributed",), "a Dask scheduler needs"),
}


def _message(extra: str, module: str) -> str:
    return (
        f"{EXTRAS[extra][1]} the [{extra}] extra ({module} is not installed): "
        f"pip install 'sahelwatch[{extra}]'"
    )


def require(*extras: str) -> None:
    """Raise :class:`MissingExtra` unless every module of these extras can be imported."""
    for extra in extras:
        for module in EXTRAS[extra][0]:
            if find_spec(module) is None:
                raise MissingExtra(_message(extra, module))


@contextmanager
def needs(extra: str) -> Iterator[None]:
    """Turn the failed import, in this block, of one of ``extra``'s modules into
    :class:`MissingExtra`; any other error passes unchanged."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top not in EXTRAS[extra][0]:
            raise
        raise MissingExtra(_message(extra, top)) from exc
