"""A dropped host across two processes on PostgreSQL and Redis: presence is in the database,
so the process that runs the jobs sees a host connected to another, and the visitor on that
other process hears through Redis that they are back in the queue."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lykt.actions.transfers import requeue_dropped_hosts
from lykt.app import create_app
from lykt.clock import ManualClock
from tests.conftest import add_staff, make_settings, new_conversation, receive_until, staff_socket
from tests.conftest import staff_token as log_in
from tests.web.test_shift import call, claim, ctx_of, hub_of, until
from tests.web.test_visitor_socket import hello

pytestmark = pytest.mark.databases("postgresql")


def test_a_host_on_one_process_is_seen_by_the_other_and_requeued_only_when_gone(
    tmp_path: Path, database_url: str
) -> None:
    clock = ManualClock()
    prefix = f"lykt-test-{secrets.token_hex(6)}"
    settings = [
        make_settings(tmp_path / name, database_url, jobs_interval_s=3600, redis_prefix=prefix)
        for name in ("a", "b")
    ]
    with (
        TestClient(create_app(settings[0], clock=clock)) as a,
        TestClient(create_app(settings[1], clock=clock)) as b,
    ):
        add_staff(b, "kari@example.org", "Kari")
        conv = new_conversation(a)
        cid = conv["conversation_id"]
        token = log_in(b, "kari@example.org")
        with b.websocket_connect("/ws/visitor") as visitor:
            hello(visitor, conv["token"])
            with staff_socket(b, token) as kari:
                receive_until(kari, "welcome")
                claim(kari, cid)
                # Long after the grace period, but connected to b all along: a (which runs
                # the jobs) sees her marked present and leaves her chat alone.
                clock.advance(timedelta(minutes=30))
                call(b, hub_of(b).refresh_presence)
                assert call(a, requeue_dropped_hosts, ctx_of(a)) == 0
            # Her socket on b is gone: within the grace period nothing happens...
            clock.advance(timedelta(seconds=60))
            assert call(a, requeue_dropped_hosts, ctx_of(a)) == 0
            # ...after it, a gives the chat back, and b's visitor is told through Redis.
            clock.advance(timedelta(seconds=61))
            assert call(a, requeue_dropped_hosts, ctx_of(a)) == 1
            assert until(visitor, "host.left") == {"type": "host.left"}
            assert until(visitor, "queue.position")["position"] == 1
