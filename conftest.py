"""Fixtures shared by the tests (tests/) and the doctests of the package (src/sahelwatch).

bundled_path  (session) a store built once from every bundled file; treat it as read-only.

Every doctest runs in a fresh temporary folder with ``store`` in its namespace: the bundled
store opened read-only (examples that write open their own store).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

from sahelwatch.bundled import ingest_bundled
from sahelwatch.store import Store


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with more tests marked ``slow`` first (the order within a file is kept), so that
    parallel workers (``scripts/test.sh`` runs two, a file to a worker) end together rather than
    one running a long file alone at the end."""
    slow = Counter(item.path for item in items if item.get_closest_marker("slow"))
    items.sort(key=lambda item: -slow[item.path])


@pytest.fixture(scope="session")
def bundled_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per session from every bundled file (closed; treat as read-only)."""
    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    with Store(path) as built:
        reports = ingest_bundled(built)
    assert all(r.already_ingested is None for r in reports)
    return path


@pytest.fixture(autouse=True)
def _doctest_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """For doctests only: ``store`` (the bundled store, read-only) and a temporary folder."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    monkeypatch.chdir(tmp_path)
    namespace = request.getfixturevalue("doctest_namespace")
    with Store(request.getfixturevalue("bundled_path"), read_only=True) as store:
        namespace["store"] = store
        yield
