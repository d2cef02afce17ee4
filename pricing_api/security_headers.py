"""Headers every answer carries (pure ASGI middleware): no MIME sniffing, no referrer sent to
other sites, and nothing authenticated kept in a browser's or proxy's cache."""

from __future__ import annotations

from typing import Any

_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    def __init__(self, app: Any, session_cookie: str):
        self.app = app
        self._cookie = session_cookie.encode() + b"="

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        authenticated = b"authorization" in headers or self._cookie in headers.get(b"cookie", b"")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                extra = list(_ALWAYS)
                if authenticated or scope["path"].startswith("/ui/login"):
                    extra.append(_NO_STORE)
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
