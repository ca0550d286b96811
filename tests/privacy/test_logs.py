from __future__ import annotations

import logging

import pytest

from lykt.privacy.logs import REDACTED, NoSocketAccessLog, ScrubAddresses, scrub


@pytest.mark.parametrize(
    "line",
    [
        "('203.0.113.77', 51234) - \"WebSocket /ws/visitor\" [accepted]",
        "203.0.113.77:51234 - connection open",
        "client 2001:db8::1 connected",
        "[2001:db8:85a3::8a2e:370:7334]:443 closed",
        "::ffff:198.51.100.4 said hello",
    ],
)
def test_addresses_are_removed_from_log_lines(line: str) -> None:
    cleaned = scrub(line)
    assert REDACTED in cleaned
    for address in ("203.0.113.77", "2001:db8", "198.51.100.4"):
        assert address not in cleaned


def test_times_versions_and_ids_are_left_alone() -> None:
    line = "2026-11-28 15:04:05,123 lykt 0.1.0 conversation 04aa3934 seq 12"
    assert scrub(line) == line


def test_filter_scrubs_formatted_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("lykt.test.scrub")
    logger.addFilter(ScrubAddresses())
    with caplog.at_level(logging.INFO, logger="lykt.test.scrub"):
        logger.info('%s - "WebSocket %s" [accepted]', ("198.51.100.23", 40000), "/ws/visitor")
    assert "198.51.100.23" not in caplog.text
    assert REDACTED in caplog.text


def test_no_line_per_socket_from_uvicorn_but_its_warnings_stay() -> None:
    quiet = NoSocketAccessLog()

    def record(level: int, msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", level, __file__, 1, msg, args, None)

    assert not quiet.filter(record(logging.INFO, "connection open"))
    assert not quiet.filter(record(logging.INFO, "connection closed"))
    assert not quiet.filter(
        record(logging.INFO, '%s - "WebSocket %s" [accepted]', "[address]", "/ws/visitor")
    )
    assert quiet.filter(record(logging.INFO, "Application startup complete."))
    assert quiet.filter(record(logging.WARNING, "connection closed"))
