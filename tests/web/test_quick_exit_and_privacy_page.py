"""The quick exit's beacon ends the chat for the host, and the privacy page tells the truth
about addresses and holds, from the running configuration."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient
from nacl.public import PrivateKey

from lykt.app import create_app
from tests.conftest import (
    add_staff,
    make_settings,
    new_conversation,
    receive_until,
    staff_socket,
    staff_token,
)


def test_the_quick_exit_beacon_ends_the_chat_and_the_host_is_told(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    token = staff_token(client, "kari@example.org")
    conversation = new_conversation(client)
    with staff_socket(client, token) as host:
        receive_until(host, "welcome")
        claim = {"type": "conversation.claim", "conversation_id": conversation["conversation_id"]}
        host.send_json(claim)
        receive_until(host, "conversation.history")
        left = client.post("/api/conversations/quick-exit", json={"token": conversation["token"]})
        assert left.status_code == 204
        ended = receive_until(host, "conversation.ended")
        assert (ended["by"], ended["reason"]) == ("visitor", "quick_exit")
    # The same answer for a token that opens nothing: it tells nobody what exists.
    nothing = client.post("/api/conversations/quick-exit", json={"token": "no such token"})
    assert nothing.status_code == 204
    assert client.post("/api/conversations/quick-exit", json={}).status_code == 422


def test_the_privacy_page_says_whether_any_address_is_kept_and_how_long_a_hold_lasts(
    tmp_path: Path, database_url: str
) -> None:
    with TestClient(create_app(make_settings(tmp_path, database_url))) as client:
        page = client.get("/personvern").text
        assert "Vi tar ikke vare på IP-adressen din i det hele tatt" in page
        assert "høyst 30 dager" in page
    key = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    settings = make_settings(
        tmp_path, database_url, escrow_public_key=key, max_hold_days=14, retention_hours=48
    )
    with TestClient(create_app(settings)) as client:
        page = client.get("/personvern").text
        assert "bare låse den opp hvis politiet ber om det" in page
        assert "høyst 14 dager" in page
        assert "48 timer" in page
        english = client.get("/personvern?lang=en").text
        assert "only if the police ask" in english
