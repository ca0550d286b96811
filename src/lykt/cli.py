"""Operator commands: a thin shell over actions. Every command works on a fresh data
directory (it creates and migrates the database) and reads the same settings as the server."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence

from lykt.actions.context import Context
from lykt.actions.staff import ROLES, add_staff
from lykt.bus import InMemoryBus
from lykt.clock import SystemClock
from lykt.db import Database
from lykt.errors import LyktError
from lykt.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lykt", description="Lykt helpline chat")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the service")
    serve.add_argument("--host", help="address to listen on (default: LYKT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: LYKT_PORT or 8000)")

    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="add a host, supervisor or admin")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True, help="the display name visitors see")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every migration")
    return parser


async def _with_context(settings: Settings, work: Callable[[Context], Awaitable[None]]) -> None:
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        await work(Context(db=db, bus=InMemoryBus(), clock=SystemClock()))
    finally:
        await db.dispose()


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from lykt.app import create_app
    from lykt.privacy.logs import log_config

    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.max_frame_bytes,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        proxy_headers=False,  # never trust a client's own claim of its address
        server_header=False,
        access_log=False,  # an access log names every client's address
        log_config=log_config(settings.log_level.upper()),
        timeout_graceful_shutdown=5,
    )
    # The log scrubs every address, our own listening one too; say where to go, once.
    print(
        f"Lykt: visitors at http://{config.host}:{config.port}/ , "
        f"staff at http://{config.host}:{config.port}/staff",
        file=sys.stderr,
        flush=True,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    try:
        if args.command == "serve":
            return _serve(settings, args.host, args.port)
        if args.command == "db":
            asyncio.run(_with_context(settings, _noop))
            print("database is up to date")
            return 0
        if args.command == "staff":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\r\n")
            else:
                password = getpass.getpass("Password: ")
                if getpass.getpass("Again: ") != password:
                    print("the passwords differ", file=sys.stderr)
                    return 2

            async def work(ctx: Context) -> None:
                staff = await add_staff(ctx, args.email, args.name, args.role, password)
                print(f"added {staff.role} {staff.display_name} <{staff.email}> (id {staff.id})")

            asyncio.run(_with_context(settings, work))
            return 0
    except LyktError as exc:
        print(f"lykt: {exc.message}", file=sys.stderr)
        return 2
    return 2


async def _noop(ctx: Context) -> None:
    return None
