#!/usr/bin/env python3
"""Set up and run Lykt from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py serve   # start the service on the embedded default (SQLite, in-process bus)
    python3 dev.py test    # lint, type-check, check the layers, run every test

Both create ./.venv and install the project into it when needed (again whenever
pyproject.toml changes). Anything after the command is passed on (to `lykt serve` or pytest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".lykt-installed"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        if command == "serve":
            run(PY, "-m", "lykt", "serve", *rest, env=env)
            return 0
        run(PY, "-m", "ruff", "check", "src", "tests", "bench", "dev.py")
        run(PY, "-m", "ruff", "format", "--check", "src", "tests", "bench", "dev.py")
        run(PY, "-m", "mypy")
        run(PY, "-m", "pytest", *rest, env=env)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
