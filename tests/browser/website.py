"""Another website on another origin (another port of 127.0.0.1): a helpline's own site that
embeds the chat, or the neutral site the quick exit goes to."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

from tests.serverproc import free_port


class Website:
    """A helpline's own website on another origin (another port) with the one-line snippet."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, name: str, html: str) -> str:
        """Serve ``html`` as ``name``; returns its address."""
        (self.root / name).write_text(html)
        return f"{self.origin}/{name}"

    def embed(self, chat_url: str) -> str:
        """A page with the snippet; returns its address."""
        (self.root / "index.html").write_text(
            "<!doctype html><html lang=nb><head><meta charset=utf-8><title>Hjelpetelefonen"
            f'</title></head><body><h1>Velkommen</h1><script src="{chat_url}/static/embed.js"'
            " async></script></body></html>"
        )
        return self.origin + "/index.html"
