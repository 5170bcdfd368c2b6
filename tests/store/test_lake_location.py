"""A ``ducklake:`` store location where SahelWatch's [lake] extra is missing (the main
environment): a sentence, before any connection. The lake itself is tested in ``tests/lake``."""

from __future__ import annotations

import importlib.util

import pytest

from sahelwatch.errors import StoreError
from sahelwatch.store import Store


@pytest.mark.skipif(
    importlib.util.find_spec("duckdb_ext") is not None, reason="the [lake] extra is installed"
)
def test_a_lake_without_the_lake_extra_is_a_sentence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    location = "ducklake:postgres:dbname=nowhere host=/tmp"
    with pytest.raises(StoreError) as caught:
        Store(location)
    assert str(caught.value) == (
        "a DuckLake store needs SahelWatch's lake extra (pip install 'sahelwatch[lake]': "
        "DuckDB 1.4.4 with its ducklake and postgres extensions)."
    )
    assert not list(tmp_path.iterdir())  # nothing was made as if it were a file path
