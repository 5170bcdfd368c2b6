"""Small helpers shared by the live-update tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sahelwatch.config import Config, parse_config
from sahelwatch.connectors.base import Context
from sahelwatch.connectors.http import HttpClient, RetryPolicy
from sahelwatch.store import Store

#: Retry settings small enough for tests: a timeout fault must sleep longer than ``timeout``.
TINY = {"attempts": 4, "backoff": 0.01, "max_backoff": 0.05, "jitter": 0.1, "timeout": 0.5}
TIMEOUT_FAULT = 1.2


class Sleeps(list[float]):
    """A ``sleep`` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def tiny_client(sleep: Any = None, **policy: Any) -> HttpClient:
    settings = {**TINY, **policy}
    return HttpClient(RetryPolicy(**settings), sleep=Sleeps() if sleep is None else sleep)


def context(
    store: Store,
    http: HttpClient,
    work: Path,
    source: str = "test",
    env: dict[str, str] | None = None,
) -> Context:
    from sahelwatch.connectors.state import ensure_state_schema, load_state

    ensure_state_schema(store)
    state, _ = load_state(store, source)
    return Context(store, http, work, source, state, env or {})


def make_config(tmp: Path, store: Path, **sections: Any) -> Config:
    """A configuration with a store, a state folder in ``tmp`` and tiny retry settings."""
    document: dict[str, Any] = {
        "store": str(store),
        "watch": {"state_dir": str(tmp / "state"), "tick": 1},
        "http": {**TINY},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return parse_config(document, base=tmp)


def ucdp_versions(store: Store) -> set[tuple[str, str]]:
    """(uid, content_hash) of every stored event version of the ucdp family."""
    return set(
        store.con.execute(
            "SELECT uid, content_hash FROM event_versions v JOIN releases r USING (release_id) "
            "WHERE r.family = 'ucdp'"
        ).fetchall()
    )
