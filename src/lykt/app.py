"""``create_app``: the one place where everything is wired."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lykt.actions.context import Context, EscrowVault, Rules
from lykt.actions.demo import ensure_demo_staff
from lykt.actions.staff import count_staff
from lykt.actions.transfers import requeue_dropped_hosts
from lykt.bus import Bus, InMemoryBus, RedisBus
from lykt.clock import Clock, SystemClock
from lykt.db import Database
from lykt.i18n import Languages
from lykt.jobs import Job, Jobs, default_jobs
from lykt.models import EscrowBase
from lykt.privacy.escrow import EscrowKey
from lykt.privacy.sources import AddressResolver, SourceKeys
from lykt.realtime import Hub
from lykt.settings import Settings
from lykt.web import accounts, admin, api, canned, cards, demo, invitations, ops, pages, socket
from lykt.web.deps import Services
from lykt.web.ops import Metrics
from lykt.web.origins import OriginCheck
from lykt.web.render import Renderer
from lykt.web.sources import ClientSource, Limits
from lykt.web.staff.chats import push_assigned

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY_BYTES = 16 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors "
)
#: Only these may be shown inside a helpline's own website (``LYKT_FRAME_ANCESTORS``); the
#: staff console, the API and everything else never.
EMBEDDABLE_PATHS = frozenset({"/", "/hvem-svarer", "/personvern", "/avvergingsplikt"})


class SecurityHeaders:
    """Pages load only our own files; nothing is cached or sent on as a referrer."""

    def __init__(self, app: ASGIApp, embed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.csp_closed = (CSP + "'none'").encode()
        self.csp_embeddable = (CSP + (" ".join(embed_origins) or "'none'")).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")
        csp = self.csp_embeddable if scope["path"] in EMBEDDABLE_PATHS else self.csp_closed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cache-control", b"no-cache" if is_static else b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over a few KiB before anything reads them into memory. A few
    paths may take more (``larger``: path prefix -> bytes), such as a profile photo upload."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = next(
            (n for prefix, n in self.larger.items() if scope["path"].startswith(prefix)),
            self.default_bytes,
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await _too_large(send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"error":"too_large"}'})


def build_context(
    settings: Settings, *, clock: Clock | None = None, bus: Bus | None = None
) -> Context:
    """The databases, bus, clock and rules for the server and every CLI command alike."""
    db = Database(settings.resolved_database_url)
    escrow_url = settings.resolved_escrow_url
    escrow_db = db if escrow_url == db.url else Database(escrow_url)
    key = EscrowKey.from_base64(settings.escrow_public_key) if settings.escrow_public_key else None
    if bus is None:
        bus = RedisBus(settings.redis_url, settings.redis_prefix) if settings.redis_url else None
    return Context(
        db=db,
        bus=bus or InMemoryBus(),
        clock=clock or SystemClock(),
        rules=Rules(
            max_chats_per_host=settings.max_chats_per_host,
            max_message_chars=settings.max_message_chars,
            staff_session_hours=settings.staff_session_hours,
            staff_idle_minutes=settings.staff_idle_minutes,
            always_open=settings.opening_hours == "always" or settings.demo,
            retention_hours=settings.retention_hours,
            max_hold_days=settings.max_hold_days,
            host_grace_s=settings.host_grace_seconds,
            presence_fresh_s=max(60.0, 3 * settings.heartbeat_interval_s),
            escalate_after_s=60 * settings.escalate_after_minutes,
            audit_days=settings.audit_days,
        ),
        escrow=EscrowVault(db=escrow_db, key=key),
    )


async def open_databases(ctx: Context) -> None:
    """Migrate the main database and create the escrow's table (its own file on SQLite)."""
    await ctx.db.migrate()
    if ctx.escrow is not None:
        await ctx.escrow.db.create_tables(EscrowBase.metadata)


async def close_databases(ctx: Context) -> None:
    if ctx.escrow is not None and ctx.escrow.db is not ctx.db:
        await ctx.escrow.db.dispose()
    await ctx.db.dispose()


SHUTDOWN_STEP_S = 10.0


class Lykt(FastAPI):
    """The app. A WebSocket goes from the door (``ClientSource``, which takes the address)
    straight to its handler, past FastAPI's routing and the HTTP middlewares: they do nothing
    for a socket, but every layer would stay on its stack, in memory, for as long as the
    socket lives, and thousands of visitors may wait at once (docs/performance.md)."""

    sockets: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.sockets is not None:
            scope["app"] = self
            await self.sockets(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, bus: Bus | None = None
) -> Lykt:
    settings = settings or Settings()
    ctx = build_context(settings, clock=clock, bus=bus)
    hub = Hub(ctx, settings.heartbeat_interval_s)
    if isinstance(ctx.bus, RedisBus):
        ctx.bus.on_reconnect.append(hub.resume_everyone)
    jobs = Jobs(
        ctx,
        settings.jobs_interval_s,
        (
            # First, on every process: the staff with a socket here are still here (so the
            # dropped-host check after it never mistakes a live host for a lost one).
            Job("refresh_presence", lambda _: hub.refresh_presence(), 0, leader_only=False),
            # Chats of a host whose connection is lost past the grace period: back to the
            # queue (never one with a socket on this process).
            Job(
                "requeue_dropped_hosts",
                lambda ctx: requeue_dropped_hosts(ctx, set(hub.staff_by_id)),
                settings.jobs_interval_s,
            ),
            *default_jobs(settings.jobs_interval_s, settings.purge_interval_s),
        ),
    )
    # Every catalog is compiled here, once.
    renderer = Renderer(
        Languages.load(), site={"quick_exit_url": settings.quick_exit_url, "demo": settings.demo}
    )
    services = Services(
        settings=settings,
        ctx=ctx,
        hub=hub,
        renderer=renderer,
        limits=Limits.from_settings(settings),
        metrics=Metrics(hub),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await open_databases(ctx)
        if settings.demo:
            await ensure_demo_staff(ctx)
        if await count_staff(ctx) == 0:
            log.warning(
                "No staff accounts yet. Add a host with: "
                "lykt staff add --email EMAIL --name NAME --role host"
            )
        await ctx.bus.start()
        await hub.start()
        jobs.start()
        try:
            yield
        finally:
            # Each part gets a bounded time to stop: one that hangs (a connection cut off
            # mid-way) is logged and left, and the process still stops.
            for name, stop in (
                ("jobs", jobs.stop),
                ("sockets", hub.stop),
                ("writers", ctx.stop),
                ("bus", ctx.bus.stop),
                ("databases", lambda: close_databases(ctx)),
            ):
                try:
                    async with asyncio.timeout(SHUTDOWN_STEP_S):
                        await stop()
                except TimeoutError:
                    log.warning("stopping the %s took too long; going on without", name)

    hub.on_assigned = functools.partial(push_assigned, services)

    app = Lykt(title="Lykt", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors()})
        return JSONResponse(
            {"error": "invalid", "message": f"wrong or missing field: {', '.join(fields)}"},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_" + str(exc.status_code), "message": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Nothing about the request (and never an address) goes into the reply.
        log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
        return JSONResponse({"error": "internal", "message": "something went wrong"}, 500)

    app.include_router(api.router)
    app.include_router(accounts.router)
    app.include_router(invitations.router)
    if settings.demo:
        app.include_router(demo.router)
    app.include_router(canned.router)
    app.include_router(cards.router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(ops.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(OriginCheck, settings=settings)
    # A profile photo (at most 20 KB) with its text and the form's wrapping: 32 KiB.
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, larger={"/admin/profiles/": 32 * 1024})
    app.add_middleware(SecurityHeaders, embed_origins=settings.frame_ancestors)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    # Outermost: the address is taken at the door, before anything else can see it.
    resolver = AddressResolver(settings.trusted_proxies, settings.client_address_header)
    keys = SourceKeys()
    app.add_middleware(ClientSource, resolver=resolver, keys=keys)
    app.sockets = ClientSource(socket.socket_app, resolver, keys)
    return app
