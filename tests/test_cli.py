from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD


def lykt(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lykt", *args],
        env={"LYKT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_db_upgrade_creates_the_database_in_a_fresh_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    result = lykt(data, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(data / "lykt.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        journal = db.execute("pragma journal_mode").fetchone()[0]
    assert {"conversations", "messages", "staff", "staff_sessions"} <= tables
    assert journal == "wal"
    assert lykt(data, "db", "upgrade").returncode == 0  # twice is fine


def test_staff_add_on_a_fresh_directory_stores_only_an_argon2id_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = lykt(
        data,
        "staff",
        "add",
        "--email",
        "Kari@Example.org",
        "--name",
        "Kari",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Kari" in result.stdout
    with sqlite3.connect(data / "lykt.db") as db:
        email, role, password_hash = db.execute(
            "select email, role, password_hash from staff"
        ).fetchone()
    assert (email, role) == ("kari@example.org", "supervisor")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash


def test_staff_add_refuses_a_duplicate_and_a_short_password_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = (
        "staff",
        "add",
        "--email",
        "a@b.no",
        "--name",
        "A",
        "--role",
        "host",
        "--password-stdin",
    )
    assert lykt(data, *args, stdin=PASSWORD).returncode == 0
    again = lykt(data, *args, stdin=PASSWORD)
    assert again.returncode == 2
    assert "exists already" in again.stderr
    assert "Traceback" not in again.stderr
    short = lykt(
        data,
        "staff",
        "add",
        "--email",
        "c@d.no",
        "--name",
        "C",
        "--role",
        "host",
        "--password-stdin",
        stdin="short",
    )
    assert short.returncode == 2
    assert "at least" in short.stderr
    bad_role = lykt(
        data,
        "staff",
        "add",
        "--email",
        "e@f.no",
        "--name",
        "E",
        "--role",
        "boss",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert bad_role.returncode == 2
    assert "invalid choice" in bad_role.stderr
