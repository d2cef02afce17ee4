"""One structured log line and the request metrics for every request (pure ASGI middleware).

The line is JSON: request id (from `X-Request-ID`, else made here; returned in the answer's
headers), method, route template, status, duration, the worker's pid, and what handlers add to
`request.state` (`key_id`, `bill_id`, `lines`, `findings`).  Never a body, a query string, a
header, a key or anything about a patient: the path logged is the route's template.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import Any

import msgspec

from pricing_api.metrics import LATENCY, REQUESTS, child

log = logging.getLogger("pricing_api.access")
_ENCODE = msgspec.json.Encoder().encode
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_STATE_FIELDS = ("key_id", "bill_id", "lines", "findings")


class AccessLog:
    def __init__(self, app: Any):
        self.app = app
        self.pid = os.getpid()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request_id = _request_id(scope["headers"])
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _template(scope)
            method = scope["method"]
            child(REQUESTS, route, method, str(status)).inc()
            child(LATENCY, route, method).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                line = {"event": "request", "request_id": request_id, "method": method, "route": route,
                        "status": status, "duration_ms": round(elapsed * 1000, 3), "worker": self.pid}
                line.update((k, state[k]) for k in _STATE_FIELDS if k in state)
                log.info(_ENCODE(line).decode())


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's `X-Request-ID` when it is a plain token, else a new one."""
    for name, value in headers:
        if name == b"x-request-id" and _REQUEST_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


def _template(scope: dict) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is not None:
        return path or "/"
    return "unmatched"
