"""Operator commands: a thin shell over actions. Every command works on a fresh data
directory (it creates and migrates the database) and reads the same settings as the server."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from lykt.actions import hours
from lykt.actions.audit import audit_log, verify_audit
from lykt.actions.canned import LANGS, add_canned, list_shared, remove_shared
from lykt.actions.cards import add_card, list_cards, parse_ages, remove_card
from lykt.actions.context import Context
from lykt.actions.escrow import export_records
from lykt.actions.help_lines import (
    DEFAULT_HELP_LINES,
    configured_help_lines,
    set_help_lines,
)
from lykt.actions.profiles import set_profile
from lykt.actions.retention import list_holds, purge_expired
from lykt.actions.second_factor import provisioning_uri, qr_terminal
from lykt.actions.sessions import normalise_email
from lykt.actions.staff import (
    MAX_CHATS_LIMIT,
    ROLES,
    add_staff,
    deactivate_staff,
    end_all_sessions,
    invite_staff,
    list_staff,
    reactivate_staff,
    reset_second_factor,
    set_max_chats,
)
from lykt.actions.statistics import statistics
from lykt.actions.topics import add_topic, list_topics, remove_topic
from lykt.bus import InMemoryBus
from lykt.errors import Invalid, LyktError, NotFound
from lykt.privacy.escrow import EscrowError, generate_key_file, open_export, unlock_key_file
from lykt.schedule import format_weekly
from lykt.settings import Settings

T = TypeVar("T")


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

    profile = staff_sub.add_parser(
        "profile", help="what the public 'who answers' page shows about a staff member"
    )
    profile.add_argument("--email", required=True)
    shown = profile.add_mutually_exclusive_group()
    shown.add_argument("--show", action="store_true", help="show this person on the page")
    shown.add_argument("--hide", action="store_true", help="do not show this person")
    profile.add_argument("--bio", help="a few lines about the person, in plain words")
    photo = profile.add_mutually_exclusive_group()
    photo.add_argument("--photo", type=Path, help="a small JPEG, PNG or WebP (at most 20 KB)")
    photo.add_argument("--no-photo", action="store_true", help="remove the photo")
    staff_sub.add_parser("list", help="list staff accounts")
    most = staff_sub.add_parser("max", help="how many chats a staff member may hold at once")
    most.add_argument("--email", required=True)
    most.add_argument("n", type=int, help=f"1 to {MAX_CHATS_LIMIT}")
    for name, text in (
        ("reset-2fa", "remove a member's second factor (they enrol again at the next login)"),
        ("deactivate", "stop an account from logging in; its sessions end at once"),
        ("reactivate", "let a deactivated account log in again"),
        ("end-sessions", "end every session of a member; their open consoles close at once"),
    ):
        one = staff_sub.add_parser(name, help=text)
        one.add_argument("--email", required=True)
    invite = staff_sub.add_parser(
        "invite", help="a one-time link (72 h) for a new member to set a password and enrol"
    )
    invite.add_argument("--email", required=True)
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument(
        "--base-url", default="", help="where staff reach Lykt (default LYKT_PUBLIC_ORIGIN)"
    )

    canned = sub.add_parser("canned", help="the shared canned replies")
    canned_sub = canned.add_subparsers(dest="canned_command", required=True)
    canned_add = canned_sub.add_parser("add", help="add a shared reply, for every staff member")
    canned_add.add_argument("--title", required=True, help="what the list shows (1-80 chars)")
    canned_add.add_argument("--lang", required=True, choices=LANGS)
    canned_add.add_argument(
        "--text-file",
        type=Path,
        required=True,
        help="a file with the text, UTF-8 (1-2000 chars); - for standard input",
    )
    canned_sub.add_parser("list", help="the shared replies")
    canned_remove = canned_sub.add_parser("remove", help="remove a shared reply")
    canned_remove.add_argument("id", type=int)

    cards = sub.add_parser("cards", help="information cards for the visitor's age")
    cards_sub = cards.add_subparsers(dest="cards_command", required=True)
    cards_add = cards_sub.add_parser("add", help="add a card in one language")
    cards_add.add_argument("--slug", required=True, help="a short name: a-z, 0-9 and hyphens")
    cards_add.add_argument("--lang", required=True, choices=LANGS)
    cards_add.add_argument("--ages", required=True, help="the ages it suits, e.g. 5-12")
    cards_add.add_argument("--title", required=True, help="1-120 characters")
    cards_add.add_argument(
        "--body-file",
        type=Path,
        required=True,
        help="the text, UTF-8 (1-2000 chars): paragraphs, '- ' bullets, **bold**; - for stdin",
    )
    cards_sub.add_parser("list", help="every card, in the order the waiting room shows them")
    cards_remove = cards_sub.add_parser("remove", help="remove a card in one language")
    cards_remove.add_argument("--slug", required=True)
    cards_remove.add_argument("--lang", required=True, choices=LANGS)

    help_lines = sub.add_parser(
        "help-lines", help="other help the visitor's page shows (phone numbers, links)"
    )
    help_lines_sub = help_lines.add_subparsers(dest="help_lines_command", required=True)
    help_lines_set = help_lines_sub.add_parser(
        "set", help='replace the list: a JSON file {"nb": [{"name", "contact", "href", "hours"}]}'
    )
    help_lines_set.add_argument("--file", type=Path, required=True, help="- for standard input")
    help_lines_sub.add_parser("show", help="the list in use, as JSON")
    help_lines_sub.add_parser("reset", help="go back to the built-in list")

    topics = sub.add_parser("topics", help="the wrap-up topics")
    topics_sub = topics.add_subparsers(dest="topics_command", required=True)
    topics_add = topics_sub.add_parser("add", help="add a topic at the end of the list")
    topics_add.add_argument("name")
    topics_sub.add_parser("list", help="the topics, in the order hosts see them")
    topics_remove = topics_sub.add_parser(
        "remove", help="take a topic off the list (its past counts stay)"
    )
    topics_remove.add_argument("name")

    hours = sub.add_parser("hours", help="opening hours")
    hours_sub = hours.add_subparsers(dest="hours_command", required=True)
    show = hours_sub.add_parser("show", help="the hours, the exceptions and the next openings")
    show.add_argument("--days", type=int, default=60, help="how far ahead to list (default 60)")
    weekly = hours_sub.add_parser("weekly", help="replace the weekly hours")
    weekly.add_argument("slots", help="e.g. 'wed 15:00-22:00, fri 15:00-22:00'; '' for none")
    close = hours_sub.add_parser("close", help="closed all day on a date")
    close.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    close.add_argument("--note", default="")
    extra = hours_sub.add_parser("open", help="an extra opening on a date (even a closed day)")
    extra.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    extra.add_argument("span", help="e.g. 12:00-18:00 (24:00 is midnight)")
    extra.add_argument("--note", default="")
    remove = hours_sub.add_parser(
        "remove", help="remove the closed days and extra openings of a date"
    )
    remove.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    timezone = hours_sub.add_parser("timezone", help="the helpline's timezone (Europe/Oslo)")
    timezone.add_argument("name")
    holidays = hours_sub.add_parser("holidays", help="closed on Norwegian public holidays?")
    holidays.add_argument("state", choices=("on", "off"))

    purge = sub.add_parser("purge", help="delete what is past the retention period, now")
    purge.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        help="purge as if it were this moment (ISO 8601 with offset), e.g. for a check",
    )
    stats = sub.add_parser("stats", help="the anonymous statistics, by ISO week")
    stats.add_argument("--from-week", help="e.g. 2026-W40")
    stats.add_argument("--to-week", help="e.g. 2026-W52")
    sub.add_parser("holds", help="the legal holds in force")
    audit = sub.add_parser("audit", help="the audit log; `lykt audit verify` checks its chain")
    audit.add_argument("audit_command", nargs="?", choices=["verify"])

    escrow = sub.add_parser("escrow", help="the IP escrow (for the platform operator only)")
    escrow_sub = escrow.add_subparsers(dest="escrow_command", required=True)
    keygen = escrow_sub.add_parser(
        "keygen", help="make a key pair, on the operator's own machine (not the server)"
    )
    keygen.add_argument("--out", type=Path, required=True, help="the private key file to write")
    keygen.add_argument("--passphrase-stdin", action="store_true")
    export = escrow_sub.add_parser(
        "export", help="write a conversation's sealed records to a file (audited)"
    )
    export.add_argument("--conversation", required=True, help="the conversation id")
    export.add_argument("--case-ref", required=True, help="the police case reference")
    export.add_argument("--out", type=Path, required=True)
    opener = escrow_sub.add_parser(
        "open", help="decrypt an export offline, with the operator's private key"
    )
    opener.add_argument("file", type=Path)
    opener.add_argument(
        "--private-key", type=Path, action="append", required=True, help="may be repeated"
    )
    opener.add_argument("--passphrase-stdin", action="store_true")

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every migration")
    return parser


async def _with_context(settings: Settings, work: Callable[[Context], Awaitable[None]]) -> None:
    await _with_result(settings, work)


async def _with_result(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    from lykt.app import build_context, close_databases, open_databases

    ctx = build_context(settings, bus=InMemoryBus())  # a command tells no sockets anything
    try:
        await open_databases(ctx)
        return await work(ctx)
    finally:
        await close_databases(ctx)


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from lykt.app import create_app
    from lykt.privacy.logs import log_config

    listen = host or settings.host
    if settings.demo:
        if listen not in ("127.0.0.1", "::1", "localhost"):
            print(
                "lykt: demo mode lets anyone log in as staff without a password; it listens "
                f"only on loopback (127.0.0.1), not on {listen}",
                file=sys.stderr,
            )
            return 2
        print(
            "\n*** DEMO MODE: staff log in without a password or code at "
            f"http://{listen}:{port or settings.port}/staff/demo . Only for trying Lykt on "
            "your own machine; never for real conversations. ***\n",
            file=sys.stderr,
            flush=True,
        )
    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.max_frame_bytes,
        ws_per_message_deflate=False,
        # One heartbeat, the hub's (ping frames; 4408 after three silent intervals): the
        # protocol's own pings would close a busy or slow client with 1011 after 20 s, and
        # cost a timer per socket.
        ws_ping_interval=None,
        ws_ping_timeout=None,
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
        if args.command == "escrow":
            return _escrow(settings, args)
        if args.command == "audit" and args.audit_command == "verify":
            return asyncio.run(_with_result(settings, _verify_audit))
        if args.command in ("purge", "stats", "holds", "audit"):
            asyncio.run(_with_context(settings, lambda ctx: _privacy(ctx, args)))
            return 0
        if args.command == "hours":
            asyncio.run(_with_context(settings, lambda ctx: _hours(ctx, args)))
            return 0
        if args.command == "canned":
            text = _read_text(args.text_file) if args.canned_command == "add" else ""
            asyncio.run(_with_context(settings, lambda ctx: _canned(ctx, args, text)))
            return 0
        if args.command == "cards":
            text = _read_text(args.body_file) if args.cards_command == "add" else ""
            asyncio.run(_with_context(settings, lambda ctx: _cards(ctx, args, text)))
            return 0
        if args.command == "help-lines":
            text = _read_text(args.file) if args.help_lines_command == "set" else ""
            asyncio.run(_with_context(settings, lambda ctx: _help_lines(ctx, args, text)))
            return 0
        if args.command == "topics":
            asyncio.run(_with_context(settings, lambda ctx: _topics(ctx, args)))
            return 0
        if args.command == "staff" and args.staff_command != "add":
            asyncio.run(_with_context(settings, lambda ctx: _staff(ctx, args)))
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
                # Shown this once: the member adds it to their authenticator app now.
                assert staff.totp_secret is not None
                uri = provisioning_uri(staff.totp_secret, staff.email)
                print("second factor (add it to an authenticator app; shown only now):")
                print(uri)
                if sys.stdout.isatty():
                    print(qr_terminal(uri))

            asyncio.run(_with_context(settings, work))
            return 0
    except LyktError as exc:
        print(f"lykt: {exc.message}", file=sys.stderr)
        return 2
    return 2


async def _noop(ctx: Context) -> None:
    return None


def _passphrase(from_stdin: bool, *, twice: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    passphrase = getpass.getpass("Passphrase: ")
    if twice and getpass.getpass("Again: ") != passphrase:
        raise Invalid("the passphrases differ")
    return passphrase


def _escrow(settings: Settings, args: argparse.Namespace) -> int:
    if args.escrow_command == "keygen":
        if args.out.exists():
            raise Invalid(f"{args.out} exists already; a key file is never overwritten")
        try:
            content, public_key, key_id = generate_key_file(
                _passphrase(args.passphrase_stdin, twice=True)
            )
        except EscrowError as exc:
            raise Invalid(str(exc)) from exc
        args.out.touch(mode=0o600)
        args.out.write_text(json.dumps(content, indent=2) + "\n")
        print(f"private key written to {args.out} (key id {key_id}); keep it offline")
        print("configure the server with:")
        print(f"LYKT_ESCROW_PUBLIC_KEY={public_key}")
        return 0
    if args.escrow_command == "export":

        async def work(ctx: Context) -> None:
            export = await export_records(ctx, args.conversation, args.case_ref)
            args.out.write_text(json.dumps(export, indent=2) + "\n")
            count = len(export["records"])
            print(f"{count} sealed record(s) written to {args.out}; the export is audited")

        asyncio.run(_with_context(settings, work))
        return 0
    passphrase = _passphrase(args.passphrase_stdin, twice=False)
    try:
        keys = dict(
            unlock_key_file(json.loads(path.read_text()), passphrase) for path in args.private_key
        )
        records = open_export(json.loads(args.file.read_text()), keys)
    except (EscrowError, json.JSONDecodeError, KeyError) as exc:
        raise Invalid(f"cannot open the export: {exc}") from exc
    for record in records:
        moment = datetime.fromtimestamp(record["utc_ms"] / 1000, UTC)
        print(
            f"{record['ip']}\tport {record['port']}\t"
            f"{moment.isoformat(timespec='milliseconds')}\t"
            f"conversation {record['conversation_id']}\tkey {record['key_id']}"
        )
    return 0


async def _privacy(ctx: Context, args: argparse.Namespace) -> None:
    if args.command == "purge":
        as_of = args.as_of
        if as_of is not None and as_of.tzinfo is None:
            raise Invalid("--as-of needs an offset, e.g. 2026-12-05T10:00:00+01:00")
        started = time.monotonic()
        result = await purge_expired(ctx, as_of)
        print(
            f"deleted {result.conversations} conversation(s), {result.messages} message(s) "
            f"in {time.monotonic() - started:.2f} s"
        )
    elif args.command == "stats":
        cells = await statistics(ctx, args.from_week, args.to_week)
        if not cells:
            print("no statistics yet")
        else:
            print("\n".join(f"{c.week}\t{c.dimension}\t{c.bucket}\t{c.shown}" for c in cells))
    elif args.command == "holds":
        for hold in await list_holds(ctx):
            print(
                f"{hold.conversation_id}\tplaced {hold.placed_at.isoformat()} by staff "
                f"{hold.placed_by}\tuntil {hold.expires_at.isoformat()}\t{hold.reason}"
            )
    elif args.command == "audit":
        for entry in await audit_log(ctx):
            print(
                f"{entry.at.isoformat()}\t{entry.actor}\t{entry.action}\t{entry.subject}"
                f"\t{entry.detail}"
            )


async def _verify_audit(ctx: Context) -> int:
    verdict = await verify_audit(ctx)
    if verdict.intact:
        print(f"the audit log is intact: {verdict.rows} row(s) follow one another")
        return 0
    print(
        f"the audit log has been tampered with at row {verdict.bad_id}: {verdict.problem} "
        f"({verdict.rows} row(s) before it are intact)",
        file=sys.stderr,
    )
    return 1


async def _staff_account(ctx: Context, args: argparse.Namespace) -> None:
    """What an admin does on the staff page, from the operator's shell (audited as
    "operator"): for the first admin, or when nobody can log in."""
    if args.staff_command == "invite":
        _, token = await invite_staff(ctx, None, args.email, args.role)
        base = (args.base_url or Settings().public_origin or "").rstrip("/")
        print(f"invitation for {args.role} {normalise_email(args.email)}, valid 72 hours:")
        print(f"{base}/staff/invitation/{token}")
        return
    member = next(
        (m for m in await list_staff(ctx) if m.email == normalise_email(args.email)), None
    )
    if member is None:
        raise NotFound(f"no staff member with the email {args.email}")
    change, done = {
        "reset-2fa": (reset_second_factor, "second factor removed; they enrol at next login"),
        "deactivate": (deactivate_staff, "deactivated; their sessions have ended"),
        "reactivate": (reactivate_staff, "may log in again"),
        "end-sessions": (end_all_sessions, "every session has ended"),
    }[args.staff_command]
    await change(ctx, None, member.id)
    print(f"{member.display_name} <{member.email}>: {done}")


async def _staff(ctx: Context, args: argparse.Namespace) -> None:
    if args.staff_command in ("reset-2fa", "deactivate", "reactivate", "end-sessions", "invite"):
        await _staff_account(ctx, args)
        return
    if args.staff_command == "list":
        for staff in await list_staff(ctx):
            flags = [staff.role]
            if not staff.active:
                flags.append("inactive")
            if staff.show_profile:
                flags.append("shown on the public page")
            print(f"{staff.id}\t{staff.display_name} <{staff.email}>\t{', '.join(flags)}")
        return
    if args.staff_command == "max":
        staff = await set_max_chats(ctx, args.email, args.n)
        print(f"{staff.display_name} may hold {staff.max_chats} chat(s) at once")
        return
    photo = args.photo.read_bytes() if args.photo else None
    staff = await set_profile(
        ctx,
        args.email,
        show=True if args.show else False if args.hide else None,
        bio=args.bio,
        photo=photo,
        remove_photo=args.no_photo,
    )
    shown = "shown on" if staff.show_profile else "not shown on"
    print(f"{staff.display_name} is {shown} the 'who answers' page")


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"cannot read {path}: {exc}") from exc


async def _canned(ctx: Context, args: argparse.Namespace, text: str) -> None:
    if args.canned_command == "add":
        reply = await add_canned(ctx, None, args.title, args.lang, text)
        print(f"added shared reply {reply.id}: {reply.title} ({reply.lang})")
    elif args.canned_command == "list":
        replies = await list_shared(ctx)
        if not replies:
            print("no shared replies")
        for reply in replies:
            first_line = reply.text.splitlines()[0] if reply.text else ""
            print(f"{reply.id}\t{reply.lang}\t{reply.title}\t{first_line[:60]}")
    else:
        await remove_shared(ctx, args.id)
        print(f"removed shared reply {args.id}")


async def _cards(ctx: Context, args: argparse.Namespace, text: str) -> None:
    if args.cards_command == "add":
        card = await add_card(ctx, args.slug, args.lang, parse_ages(args.ages), args.title, text)
        print(f"added card {card.slug} ({card.lang}, ages {card.age_min}-{card.age_max})")
    elif args.cards_command == "list":
        cards = await list_cards(ctx)
        if not cards:
            print("no cards")
        for card in cards:
            print(f"{card.slug}\t{card.lang}\t{card.age_min}-{card.age_max}\t{card.title}")
    else:
        await remove_card(ctx, args.slug, args.lang)
        print(f"removed card {args.slug} ({args.lang})")


async def _help_lines(ctx: Context, args: argparse.Namespace, text: str) -> None:
    if args.help_lines_command == "set":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise Invalid(f"the file is not JSON: {exc}") from exc
        await set_help_lines(ctx, data)
        print("help lines set")
    elif args.help_lines_command == "reset":
        await set_help_lines(ctx, None)
        print("help lines: back to the built-in list")
    else:
        configured = await configured_help_lines(ctx)
        lines = configured or {k: list(v) for k, v in DEFAULT_HELP_LINES.items()}
        if configured is None:
            print("# the built-in list (the helpline must confirm it: docs/content.md)")
        document = {lang: [line.as_dict() for line in items] for lang, items in lines.items()}
        print(json.dumps(document, ensure_ascii=False, indent=2))


async def _topics(ctx: Context, args: argparse.Namespace) -> None:
    if args.topics_command == "add":
        name = await add_topic(ctx, args.name)
        print(f"added topic: {name}")
    elif args.topics_command == "remove":
        await remove_topic(ctx, args.name)
        print(f"removed topic: {args.name.strip()}")
    else:
        names = await list_topics(ctx)
        if not names:
            print("no topics")
        for name in names:
            print(name)


async def _hours(ctx: Context, args: argparse.Namespace) -> None:
    command = args.hours_command
    if command == "weekly":
        slots = await hours.set_weekly(ctx, args.slots)
        print(f"weekly hours: {format_weekly(slots) or 'none'}")
    elif command == "close":
        await hours.add_closed_day(ctx, args.day, args.note)
        print(f"closed on {args.day.isoformat()}")
    elif command == "open":
        await hours.add_extra_opening(ctx, args.day, args.span, args.note)
        print(f"extra opening on {args.day.isoformat()} {args.span}")
    elif command == "remove":
        removed = await hours.remove_day(ctx, args.day)
        print(f"removed {removed} exception(s) on {args.day.isoformat()}")
    elif command == "timezone":
        await hours.set_timezone(ctx, args.name)
        print(f"timezone: {args.name}")
    elif command == "holidays":
        await hours.set_norwegian_holidays(ctx, args.state == "on")
        print(f"closed on Norwegian public holidays: {args.state}")
    await _show_hours(ctx, args.days if command == "show" else 14)


async def _show_hours(ctx: Context, days: int) -> None:
    config = await hours.load_config(ctx)
    now = ctx.clock.now()
    schedule = hours.build_schedule(config, now)
    status = schedule.status_at(now)
    if status.open:
        until = status.closes_at.isoformat() if status.closes_at else "further than a year ahead"
        print(f"now: open, closes {until}")
    else:
        nxt = status.next_opening.isoformat() if status.next_opening else "not within a year"
        print(f"now: closed, opens {nxt}")
    print(f"timezone: {config.timezone}")
    print(f"weekly: {format_weekly(config.weekly) or 'none'}")
    print(f"closed on Norwegian public holidays: {'on' if config.norwegian_holidays else 'off'}")
    for rule in config.dated:
        if rule.kind == "closed":
            print(f"closed: {rule.day.isoformat()} {rule.note}".rstrip())
        else:
            assert rule.opens is not None and rule.closes is not None
            span = f"{hours.hhmm(rule.opens)}-{hours.hhmm(rule.closes, closing=True)}"
            print(f"extra opening: {rule.day.isoformat()} {span} {rule.note}".rstrip())
    print(f"openings in the next {days} days:")
    for opens, closes in schedule.intervals_between(now, now + timedelta(days=days)):
        print(f"  {opens:%a %Y-%m-%d %H:%M} - {closes:%H:%M} ({opens:%z})")
