"""Where requests may come from (CSRF, OWASP ASVS V4.2.2 / V13.2.3): one rule for every door.

A browser says where a request comes from: ``Origin`` on every state-changing request, and
``Sec-Fetch-Site``. A state-changing HTTP request (and the staff socket's handshake) whose
``Origin`` is not ours, scheme, host and port alike, or that the browser marks as cross-site,
is refused (403). A request with neither header is not from a browser page (curl, the tests,
the CLI), so no other site can have made it on someone's behalf; the session cookie, which is
SameSite=Strict, is still required wherever it counts.

"Ours" is ``LYKT_PUBLIC_ORIGIN``, or, when that is not set, the origin the request was made to:
its Host header, with https when secure cookies are on (behind a TLS proxy) or the request came
over TLS."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from lykt.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def our_origin(settings: Settings, scope: Scope) -> str | None:
    if settings.public_origin:
        return settings.public_origin
    host = _header(scope, b"host")
    if not host:
        return None
    secure = settings.secure_cookies or scope.get("scheme") in ("https", "wss")
    return f"{'https' if secure else 'http'}://{host}"


def from_elsewhere(settings: Settings, scope: Scope) -> bool:
    """Whether a browser made this request from another site (or scheme, or port)."""
    origin = _header(scope, b"origin")
    if origin is not None:
        if origin in settings.allowed_origins and scope["type"] == "websocket":
            return False
        return origin != our_origin(settings, scope)
    site = _header(scope, b"sec-fetch-site")
    return site is not None and site not in ("same-origin", "none")


class OriginCheck:
    """Refuses state-changing HTTP requests made from another site: 403, nothing done."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and from_elsewhere(self.settings, scope)
        ):
            body = b'{"error":"forbidden_origin","message":"this request came from another site"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
