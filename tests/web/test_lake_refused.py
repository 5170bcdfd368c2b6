"""The dashboard server reads store files: a DuckLake location is refused with a sentence."""

from __future__ import annotations

import pytest

from sahelwatch.errors import StoreError
from sahelwatch.web.db import StoreAccess


def test_the_server_refuses_a_lake_with_a_sentence():
    location = "ducklake:postgres:dbname=sahelwatch host=/tmp"
    with pytest.raises(StoreError) as caught:
        StoreAccess(location)
    assert str(caught.value) == (
        f"the dashboard server reads a store file; it cannot serve the DuckLake {location} "
        "yet (docs/concurrency.md, 'Beyond one machine')."
    )
