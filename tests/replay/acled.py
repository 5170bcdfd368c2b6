"""An ACLED API replay over the hand-written fixtures in ``tests/data`` (never ACLED data).

``POST /oauth/token`` takes ``grant_type=password`` (username, password, client_id) or
``grant_type=refresh_token`` and answers ``{access_token, refresh_token, expires_in,
token_type}``. ``GET /api/acled/read`` needs ``Authorization: Bearer <token>`` and answers
``{status, success, last_update, count, messages, data, filename}`` with every value a string,
filtered by ``iso`` (``|``-separated), ``event_date``/``event_date_where`` and
``timestamp``/``timestamp_where`` (``>=``, ``>``), sorted by date (newest first) and id, paged
by ``limit`` and ``page`` (from 1). A token can be made to expire after N data requests.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from replay.server import ReplayServer, Reply, Request

DATA = Path(__file__).parent.parent / "data"
EMAIL = "analyst@example.org"
PASSWORD = "correct horse battery staple"


def fixture_rows(name: str) -> list[dict[str, str]]:
    """The records of an ACLED-layout fixture, as the API's JSON objects (all strings)."""
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


class AcledReplay:
    """ACLED's token endpoint and read endpoint over an evolving set of rows."""

    def __init__(self, rows: list[dict[str, str]], *, expires_in: int = 86400) -> None:
        self.rows = {r["event_id_cnty"]: r for r in rows}
        self.expires_in = expires_in
        self.expire_after: int | None = None  # data requests a token is good for
        self.tokens: dict[str, int] = {}  # access token -> data requests made with it
        self.refresh: set[str] = set()
        self.counter = itertools.count(1)
        self.grants: list[str] = []

    def update(self, rows: list[dict[str, str]]) -> None:
        """A newer state of ACLED's data: these rows added or replaced."""
        self.rows.update({r["event_id_cnty"]: r for r in rows})

    def install(self, server: ReplayServer) -> AcledReplay:
        server.route("POST", r"/oauth/token", self.token)
        server.route("GET", r"/api/acled/read", self.read)
        return self

    def token(self, req: Request) -> Reply:
        form = req.form()
        grant = form.get("grant_type")
        self.grants.append(grant or "")
        if form.get("client_id") != "acled":
            return Reply.json({"error": "invalid_client"}, 401)
        if grant == "password":
            if form.get("username") != EMAIL or form.get("password") != PASSWORD:
                return Reply.json({"error": "invalid_grant"}, 400)
        elif grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh:
                return Reply.json({"error": "invalid_grant"}, 400)
            self.refresh.discard(form["refresh_token"])
        else:
            return Reply.json({"error": "unsupported_grant_type"}, 400)
        n = next(self.counter)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.tokens[access] = 0
        self.refresh.add(refresh)
        return Reply.json(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "access_token": access,
                "refresh_token": refresh,
            }
        )

    def read(self, req: Request) -> Reply:
        auth = req.headers.get("authorization", "")
        access = auth.removeprefix("Bearer ")
        if access not in self.tokens:
            return Reply.json({"message": "Unauthorized"}, 401)
        self.tokens[access] += 1
        if self.expire_after is not None and self.tokens[access] > self.expire_after:
            del self.tokens[access]
            return Reply.json({"message": "The access token expired."}, 401)
        q = req.query
        rows = list(self.rows.values())
        if q.get("iso"):
            wanted = set(q["iso"].split("|"))
            rows = [r for r in rows if r["iso"] in wanted]
        for name in ("event_date", "timestamp"):
            if name in q:
                where = q.get(f"{name}_where", "=")
                value = q[name]
                key = int if name == "timestamp" else str
                test = {
                    ">=": lambda a, b: a >= b,
                    ">": lambda a, b: a > b,
                    "=": lambda a, b: a == b,
                }[where]
                rows = [r for r in rows if test(key(r[name]), key(value))]
        rows.sort(key=lambda r: r["event_id_cnty"])
        rows.sort(key=lambda r: r["event_date"], reverse=True)
        limit = int(q.get("limit", 5000))
        page = int(q.get("page", 1))
        data = rows[(page - 1) * limit : page * limit]
        return Reply.json(
            {
                "status": 200,
                "success": True,
                "last_update": 0,
                "count": len(data),
                "messages": [],
                "data": data,
                "filename": "acled_read",
            }
        )
