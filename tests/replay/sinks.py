"""Receivers for notifications: a webhook endpoint and an SMTP server, both on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from replay.server import ReplayServer, Reply, Request
from sahelwatch.delivery import SIGNATURE_HEADER, verify_signature


@dataclass
class WebhookSink:
    """Accepts POSTs on ``/hook``; keeps every request and whether its signature was valid."""

    secret: str
    received: list[tuple[dict[str, Any], bool, dict[str, str]]] = field(default_factory=list)

    def install(self, server: ReplayServer) -> WebhookSink:
        server.route("POST", r"/hook", self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        valid = verify_signature(self.secret, req.body, req.headers.get(SIGNATURE_HEADER.lower()))
        self.received.append((json.loads(req.body), valid, req.headers))
        return Reply.json({"ok": True}) if valid else Reply.json({"error": "bad signature"}, 403)

    def ids(self) -> list[str]:
        return [body["id"] for body, valid, _ in self.received if valid]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """An aiosmtpd server collecting messages."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
