"""Settings, read from the environment (``LYKT_*``). Only ``app.py`` and ``cli.py`` read them."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lykt.privacy.escrow import EscrowKey


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LYKT_", frozen=True, extra="ignore")

    data_dir: Path = Path("./lykt-data")
    # Empty: an SQLite file ``lykt.db`` inside ``data_dir``.
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    max_chats_per_host: int = Field(default=3, ge=1, le=20)
    # A visitor waiting longer than this is shown to every supervisor online.
    escalate_after_minutes: float = Field(default=5, gt=0)
    # A host whose every socket has been gone this long gives their chats back to the queue.
    host_grace_seconds: float = Field(default=120, gt=0)
    max_message_chars: int = 4000
    max_frame_bytes: int = 64 * 1024
    heartbeat_interval_s: float = Field(default=15.0, gt=0)
    send_queue_size: int = Field(default=256, ge=8)
    hello_timeout_s: float = 10.0
    # A staff session ends this long after login, or after this long unused (ASVS L2).
    staff_session_hours: int = Field(default=12, ge=1, le=24)
    staff_idle_minutes: int = Field(default=30, ge=1, le=12 * 60)
    # Demo mode (``python3 dev.py serve``): demo accounts that log in without a password or
    # code, a DEMO banner on every page, open around the clock; loopback only.
    demo: bool = False
    # "schedule": the opening hours kept in the database (``lykt hours``); "always": open
    # whatever they say, for demos and tests.
    opening_hours: Literal["schedule", "always"] = "schedule"
    # Hours after it ends before a conversation is deleted; the privacy page says this number.
    retention_hours: int = Field(default=72, ge=1, le=24 * 30)
    # Sites allowed to show the chat in a frame (CSP frame-ancestors), e.g.
    # ["https://www.example.no"]. Empty: no site may frame it.
    frame_ancestors: tuple[str, ...] = ()
    # How often the closing-time jobs run, and how often the purge runs.
    jobs_interval_s: float = Field(default=5.0, gt=0)
    purge_interval_s: float = Field(default=60.0, gt=0)
    # A legal hold (duty to avert) keeps a conversation at most this many days.
    max_hold_days: int = Field(default=30, ge=1, le=365)
    # The audit log keeps this many days; older rows are pruned (the chain still verifies).
    audit_days: int = Field(default=365, ge=1)
    # The address people use to reach Lykt, scheme, host and port (https://chat.example.no):
    # every state-changing request and the staff socket must come from it (CSRF). Empty: the
    # origin the request itself was made to (http, or https with secure cookies).
    public_origin: str = ""
    # Other origins the staff socket accepts (besides SameSite=Strict cookies).
    allowed_origins: tuple[str, ...] = ()
    # Secure cookies need HTTPS; off only for local development over plain HTTP.
    secure_cookies: bool = False

    # Where "Rask utgang" (quick exit) takes the visitor: a neutral site, shown in place of
    # the chat so that Back does not lead to it.
    quick_exit_url: str = "https://www.yr.no/"
    # Several processes: Redis pub/sub carries events between them (nothing is stored in it).
    # Empty: one process, an in-process bus.
    redis_url: str = ""
    redis_prefix: str = "lykt"
    # Behind a reverse proxy: its addresses (or networks), and the header in which it passes
    # the client's address and port ("203.0.113.77:51234"). Believed from these only.
    trusted_proxies: tuple[str, ...] = ()
    # Per source (a keyed hash of the address): new chats at once and per hour, messages at
    # once and per second. A school class behind one address fits well within them.
    source_conversations_burst: int = Field(default=10, ge=1)
    source_conversations_per_hour: float = Field(default=30, gt=0)
    source_messages_burst: int = Field(default=60, ge=1)
    source_messages_per_s: float = Field(default=3, gt=0)
    source_logins_burst: int = Field(default=10, ge=1)
    source_logins_per_min: float = Field(default=10, gt=0)
    client_address_header: str = "X-Lykt-Client"
    # The IP escrow: the operator's public key (base64, from ``lykt escrow keygen``). Empty:
    # nothing about a visitor's address is kept at all.
    escrow_public_key: str = ""
    # Where sealed records live. Empty: ``escrow.db`` in ``data_dir`` (SQLite), or the main
    # database (PostgreSQL), in a table of its own.
    escrow_database_url: str = ""

    @field_validator("quick_exit_url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"{url!r} is not a web address like https://www.yr.no/")
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ValueError(f"{proxy!r} is not an IP address or network") from exc
        return proxies

    @field_validator("escrow_public_key")
    @classmethod
    def _public_key(cls, key: str) -> str:
        if key:
            EscrowKey.from_base64(key)  # raises with a clear message
        return key

    @field_validator("public_origin")
    @classmethod
    def _one_origin(cls, origin: str) -> str:
        return cls._exact_origins((origin,))[0] if origin else ""

    @field_validator("frame_ancestors", "allowed_origins")
    @classmethod
    def _exact_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        """Only exact origins (scheme, host, port), so a typo cannot open the chat to every
        site; each is handed back in its plain form, ready for CSP ``frame-ancestors``."""
        checked = []
        for origin in origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("https", "http")
                or not parts.hostname
                or parts.path not in ("", "/")
                or parts.query
                or parts.fragment
                or any(c in origin for c in "*; '\"")
            ):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.no")
            checked.append(f"{parts.scheme}://{parts.netloc}")
        return tuple(checked)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'lykt.db').resolve()}"

    @property
    def resolved_escrow_url(self) -> str:
        if self.escrow_database_url:
            return self.escrow_database_url
        if self.is_sqlite:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'escrow.db').resolve()}"
        return self.resolved_database_url

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
