#!/usr/bin/env python3
"""Set up and run Lykt from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py serve   # try it: the embedded default (SQLite, in-process bus) in demo mode
    python3 dev.py test    # lint, type-check, check the layers, run every test

Both create ./.venv and install the project into it when needed (again whenever
pyproject.toml changes). `test` also installs the browser tests' JavaScript (axe-core, pinned
in tests/browser/package-lock.json) with npm when npm is there. Anything after the command is
passed on (to `lykt serve` or pytest).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".lykt-installed"
BROWSER_TESTS = ROOT / "tests" / "browser"
AXE = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"


def run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=cwd or ROOT, check=True, env=env)


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Lykt needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PY.exists():
        return
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test,bench]")
    STAMP.write_text(wanted)


def ensure_test_js() -> None:
    """axe-core for the accessibility tests, exactly as package-lock.json pins it. Installed
    again when the lock file is newer than what is installed. Without npm the tests that need
    it are skipped (or fail when LYKT_REQUIRE_BROWSER=1)."""
    lock = BROWSER_TESTS / "package-lock.json"
    if AXE.exists() and AXE.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        print(
            "note: npm is not on the PATH, so axe-core is not installed (or out of date) and "
            "the accessibility tests will be skipped (install Node.js and npm, then run "
            "`python3 dev.py test` again)",
            flush=True,
        )
        return
    run(npm, "ci", "--no-audit", "--no-fund", cwd=BROWSER_TESTS)
    AXE.touch()  # npm may keep the package's own file times; mark when it was installed


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        if command == "serve":
            # Demo mode: staff log in at /staff/demo without a password or code, a DEMO
            # banner on every page, loopback only (LYKT_DEMO=false for the real thing).
            env.setdefault("LYKT_DEMO", "true")
            run(PY, "-m", "lykt", "serve", *rest, env=env)
            return 0
        ensure_test_js()
        run(PY, "-m", "ruff", "check", "src", "tests", "bench", "dev.py")
        run(PY, "-m", "ruff", "format", "--check", "src", "tests", "bench", "dev.py")
        run(PY, "-m", "mypy")
        # Three workers on two cores: the browser and server tests mostly wait. A later -n in
        # the arguments wins (-n 0 runs everything in one process).
        run(PY, "-m", "pytest", "-n", "3", *rest, env=env)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
