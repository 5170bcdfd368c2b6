"""A raw loopback TCP server, for replies no HTTP server library writes: bytes that trickle,
a body that never ends, a page that is not what it should be. Used by the tests and by
``benchmarks/faults.py``."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable


class RawServer:
    """A loopback TCP server that reads each request's head and lets ``speak(socket, path)``
    answer on the socket however it likes (slowly, endlessly). It serves from its creation
    until :meth:`close` (or the end of a ``with`` block)."""

    def __init__(self, speak: Callable[[socket.socket, str], None]) -> None:
        self.speak = speak
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client gave up: what a fault wants
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            self.speak(conn, head.split(b" ", 2)[1].decode())


def endless_body(conn: socket.socket, path: str) -> None:
    """A chunked body that never ends, as fast as it can be read."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (2**16, b"0" * 2**16)
    while True:
        conn.sendall(chunk)
