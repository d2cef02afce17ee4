"""The request body limit, as pure ASGI middleware (no buffering of what it refuses)."""

from __future__ import annotations

from pricing_api.errors import ErrorBody


class BodyLimit:
    """Pure ASGI middleware: a body over `limit` bytes is refused with 413, by Content-Length
    before anything is read, and while streaming when no length is sent."""

    def __init__(self, app, limit: int, larger: dict[str, int] | None = None):
        self.app = app
        self.limit = limit
        #: POST paths that take larger bodies (claims files of audit runs) → their limit.
        self.larger = larger or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.larger.get(scope["path"], self.limit) if scope["method"] == "POST" else self.limit
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await self._refuse(send, limit)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send, limit: int):
        body = ErrorBody(error="payload_too_large",
                         message=f"请求体过大：上限 {limit} 字节").model_dump_json().encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"body over {limit} bytes")
        self.limit = limit
