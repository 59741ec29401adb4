"""The wire format between a client and the server: length-prefixed JSON frames.

A request is one frame sent with the caller's file descriptors attached
(SCM_RIGHTS); the server answers with frames: ``{"started": pid}`` once the
command's process exists (from then on the command must never be re-run),
``{"exit": code}`` when it ends, or ``{"fallback": reason}`` when it could
not start (the client then runs the command itself). Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
from typing import Any

_HEADER = struct.Struct("!I")
MAX_FRAME = 16 * 1024 * 1024  # a whole environment fits many times over
MAX_FDS = 3


class ProtocolError(OSError):
    """The peer went away or sent something that is not a frame."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8", "surrogateescape")
    return _HEADER.pack(len(body)) + body


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """Send one frame; the fds travel with its first bytes."""
    data = encode(message)
    if fds:
        sent = socket.send_fds(sock, [data], fds)
        if sent < len(data):
            sock.sendall(data[sent:])
    else:
        sock.sendall(data)


def receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One frame and any fds that came with it; ``ProtocolError`` on EOF or garbage."""
    head, fds, _flags, _addr = socket.recv_fds(sock, _HEADER.size, MAX_FDS)
    try:
        head += _exactly(sock, _HEADER.size - len(head)) if head else b""
        if not head:
            raise ProtocolError("connection closed")
        (length,) = _HEADER.unpack(head)
        if length > MAX_FRAME:
            raise ProtocolError("frame too large")
        message = json.loads(_exactly(sock, length).decode("utf-8", "surrogateescape"))
        if not isinstance(message, dict):
            raise ProtocolError("frame is not an object")
    except (ProtocolError, ValueError, OSError) as error:
        for fd in fds:
            _close(fd)
        raise ProtocolError(str(error)) from None
    return message, fds


def _exactly(sock: socket.socket, count: int) -> bytes:
    chunks = []
    while count > 0:
        chunk = sock.recv(min(count, 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed mid-frame")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _close(fd: int) -> None:
    import os

    with contextlib.suppress(OSError):
        os.close(fd)
