"""Write the small recordings in ``recordings/`` from the replays (run from ``tests/``:
``python -m replay.record``). ``test_connectors.py`` checks that the replays still answer
exactly like them, so a change to a replay's format shows up as a failing test."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from replay.acled import EMAIL, PASSWORD, AcledReplay, fixture_rows
from replay.server import ReplayServer
from replay.ucdp import TOKEN, UcdpApiReplay, api_rows

HERE = Path(__file__).parent / "recordings"

#: name -> (method, path and query, form or None); answers are recorded with the server's
#: address replaced by ``http://replay``.
CALLS = {
    "ucdp_gedevents_26.0.2_pagesize3_page0.json": (
        "GET",
        "/api/gedevents/26.0.2?pagesize=3&page=0",
        None,
    ),
    "acled_oauth_token.json": (
        "POST",
        "/oauth/token",
        {
            "username": EMAIL,
            "password": PASSWORD,
            "grant_type": "password",
            "client_id": "acled",
            "scope": "authenticated",
        },
    ),
    "acled_read_limit3_page1.json": (
        "GET",
        "/api/acled/read?_format=json&iso=466&limit=3&page=1",
        None,
    ),
}


def replay(name: str) -> dict:
    """Answer one recorded call with fresh replays and return the JSON document."""
    method, target, form = CALLS[name]
    with ReplayServer() as server:
        UcdpApiReplay({"26.0.2": api_rows("26.0.2")}).install(server)
        AcledReplay(fixture_rows("acled_current_fixture.csv")).install(server)
        headers = {"x-ucdp-access-token": TOKEN}
        if target.startswith("/api/acled"):
            token = httpx.post(f"{server.url}/oauth/token", data=CALLS["acled_oauth_token.json"][2])
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        reply = httpx.request(method, server.url + target, data=form, headers=headers)
        return json.loads(reply.text.replace(server.url, "http://replay"))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name in CALLS:
        (HERE / name).write_text(json.dumps(replay(name), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
