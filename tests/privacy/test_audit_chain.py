"""The audit log shows tampering: change a row, remove one or swap two, and `lykt audit verify`
names the first row that no longer follows (and exits non-zero); pruning old rows keeps what
remains verifiable."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lykt.actions.audit import prune_audit, record, verify_audit
from lykt.actions.context import Context, Rules
from lykt.bus import InMemoryBus
from lykt.clock import ManualClock
from lykt.db import Database
from tests.test_cli import lykt

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def write_rows(data: Path, count: int, *, days_apart: int = 0, audit_days: int = 365) -> None:
    """``count`` audit rows, one a day apart (or all at once), as the server would write them."""

    async def main() -> None:
        db = Database(f"sqlite+aiosqlite:///{data / 'lykt.db'}")
        await db.migrate()
        clock = ManualClock(START)
        ctx = Context(db=db, bus=InMemoryBus(), clock=clock, rules=Rules(audit_days=audit_days))
        try:
            for i in range(count):
                async with ctx.transaction() as tx:
                    await record(tx.session, ctx, f"staff:{i}", "supervisor.watch", f"c{i}")
                clock.advance(timedelta(days=days_apart))
            if days_apart:
                assert await prune_audit(ctx) > 0
            assert (await verify_audit(ctx)).intact
        finally:
            await db.dispose()

    data.mkdir(parents=True, exist_ok=True)
    asyncio.run(main())


def tamper(data: Path, *statements: str) -> None:
    with sqlite3.connect(data / "lykt.db") as db:
        for statement in statements:
            db.execute(statement)


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    write_rows(tmp_path, 5)
    result = lykt(tmp_path, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "intact: 5 row(s)" in result.stdout


def test_a_changed_row_is_named(tmp_path: Path) -> None:
    write_rows(tmp_path, 5)
    tamper(tmp_path, "UPDATE audit_log SET actor = 'staff:99' WHERE id = 3")
    result = lykt(tmp_path, "audit", "verify")
    assert result.returncode == 1
    assert "at row 3: the row was changed" in result.stderr


def test_a_removed_row_is_noticed_at_the_next_one(tmp_path: Path) -> None:
    write_rows(tmp_path, 5)
    tamper(tmp_path, "DELETE FROM audit_log WHERE id = 2")
    result = lykt(tmp_path, "audit", "verify")
    assert result.returncode == 1
    assert "at row 3: a row before it was removed" in result.stderr


def test_two_swapped_rows_are_noticed(tmp_path: Path) -> None:
    write_rows(tmp_path, 5)
    # Rows 2 and 4 trade places, hashes and all (as a careful forger would move them).
    columns = "at, actor, action, subject, detail, prev_hash, hash"
    tamper(
        tmp_path,
        f"CREATE TEMP TABLE keep AS SELECT id, {columns} FROM audit_log WHERE id IN (2, 4)",
        "DELETE FROM audit_log WHERE id IN (2, 4)",
        f"INSERT INTO audit_log (id, {columns}) SELECT 6 - id, {columns} FROM keep",
    )
    result = lykt(tmp_path, "audit", "verify")
    assert result.returncode == 1
    assert "at row 2:" in result.stderr


def test_pruning_old_rows_keeps_the_rest_verifiable(tmp_path: Path) -> None:
    # Ten rows a day apart, kept 4 days: the oldest go, the chain goes on from an anchor.
    write_rows(tmp_path, 10, days_apart=1, audit_days=4)
    result = lykt(tmp_path, "audit", "verify")
    assert result.returncode == 0, result.stderr
    kept = int(result.stdout.split("intact: ")[1].split(" ")[0])
    assert 0 < kept < 10
    # The anchor is what it hangs on: changing it breaks the first row kept.
    tamper(tmp_path, "UPDATE settings SET value = 'x' WHERE key = 'audit_anchor'")
    assert lykt(tmp_path, "audit", "verify").returncode == 1
