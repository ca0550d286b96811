"""No IP address in any log line: a filter that removes addresses from every record."""

from __future__ import annotations

import logging
import re

# IPv4; IPv6 written in full (eight groups) or shortened with "::" (times like 15:04:05 are
# neither).
_H = "[0-9A-Fa-f]{1,4}"
_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
_IPV6 = (
    rf"(?<![\w:])(?:(?:{_H}:){{7}}{_H}|(?:{_H}(?::{_H})*)?::(?:{_H}(?::{_H})*)?)"
    r"(?:%\w+)?(?![\w:])"
)
_ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")
REDACTED = "[address]"


def scrub(text: str) -> str:
    return _ADDRESS.sub(REDACTED, text)


class ScrubAddresses(logging.Filter):
    """Formats the record's message, removes every IP address, and keeps the result."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class NoSocketAccessLog(logging.Filter):
    """uvicorn notes every WebSocket that opens or closes ("connection open", '"WebSocket
    /ws/visitor" [accepted]'): an access log by another name, of no use to anyone, and
    tens of thousands of lines when everyone reconnects after a restart."""

    QUIET = ("connection open", "connection closed")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        msg = str(record.msg)
        return msg not in self.QUIET and '"WebSocket %s"' not in msg


def log_config(level: str = "INFO") -> dict[str, object]:
    """Logging for ``lykt serve``: uvicorn's loggers too, every handler scrubbed; no access
    log (it would name each client)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "scrub": {"()": ScrubAddresses},
            "no_socket_access_log": {"()": NoSocketAccessLog},
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["scrub"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {
                "handlers": ["stderr"],
                "level": level,
                "propagate": False,
                "filters": ["no_socket_access_log"],
            },
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "lykt": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
