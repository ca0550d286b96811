"""The child's side through the public API and the sockets: cards for their age, a card a
host sends into the chat, an honest "is anyone there", and other help always at hand."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from lykt.actions.help_lines import set_help_lines
from tests.conftest import add_staff, receive_until, staff_socket, staff_token

YOUNG = ["all-feelings-allowed", "missing-mum-or-dad", "visiting-prison", "telling-friends"]
OLDER = [
    "all-feelings-allowed",
    "missing-mum-or-dad",
    "visiting-prison-older",
    "telling-friends-older",
]


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [card["slug"] for card in response.json()]


def test_the_waiting_room_gets_the_cards_for_the_visitors_age_without_a_cookie(
    client: TestClient,
) -> None:
    response = client.get("/api/cards?age=12&lang=nb")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    cards = response.json()
    assert [c["slug"] for c in cards] == YOUNG
    assert set(cards[0]) == {"slug", "title", "body"}
    assert cards[0]["title"] == "Alle følelser er lov"
    assert slugs(client.get("/api/cards?age=15&lang=nb")) == OLDER
    english = client.get("/api/cards?age=12&lang=en").json()
    assert english[2]["title"] == "Visiting someone in prison"
    # A language we do not have: bokmål. No age given: every card.
    assert client.get("/api/cards?age=12&lang=xx").json() == cards
    assert client.get("/api/cards?age=12").json() == cards
    assert len(slugs(client.get("/api/cards?lang=en"))) == 6
    assert client.get("/api/cards?age=tolv").status_code == 422


def claim(ws: Any, conversation_id: str) -> dict[str, Any]:
    ws.send_json({"type": "conversation.claim", "conversation_id": conversation_id})
    return receive_until(ws, "conversation.history")


def until_both(ws: Any, *wanted: str) -> dict[str, dict[str, Any]]:
    """The first frame of each type in ``wanted``, whatever order they come in."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(50):
        frame = ws.receive_json()
        if frame["type"] in wanted and frame["type"] not in found:
            found[frame["type"]] = frame
        if len(found) == len(wanted):
            return found
    raise AssertionError(f"only {sorted(found)} of {wanted}")


def test_a_card_from_the_host_reaches_both_sides_as_a_card_and_is_there_after_a_reconnect(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    response = client.post("/api/conversations", json={"age": 10, "about": "self", "lang": "en"})
    assert response.status_code == 201
    conv = response.json()
    cid = conv["conversation_id"]
    token = staff_token(client, "kari@example.org")
    with staff_socket(client, token) as host, client.websocket_connect("/ws/visitor") as child:
        receive_until(host, "welcome")
        child.send_json({"type": "hello", "token": conv["token"]})
        receive_until(child, "welcome")
        claim(host, cid)
        receive_until(child, "host.joined")

        send = {"type": "card.send", "conversation_id": cid, "slug": "visiting-prison"}
        host.send_json(send)  # no client_id: refused, nothing posted
        error = receive_until(host, "error")
        assert error["code"] == "bad_field" and "client_id" in error["message"]
        host.send_json({**send, "slug": "no-such-card", "client_id": "k0"})
        assert receive_until(host, "error")["code"] == "not_found"

        host.send_json({**send, "client_id": "k1"})
        frames = until_both(host, "message.posted", "message.ack")
        ack = frames["message.ack"]
        assert ack == {"type": "message.ack", "conversation_id": cid, "client_id": "k1", "seq": 1}
        seen_by_child = receive_until(child, "message.posted")
        seen_by_host = frames["message.posted"]
        card = {
            "slug": "visiting-prison",
            "title": "Visiting someone in prison",
            "body": seen_by_child["card"]["body"],
        }
        assert seen_by_child["card"] == card  # in the visitor's language
        assert card["body"].startswith("Lots of children visit")
        assert seen_by_child["sender"] == "host" and seen_by_child["host_name"] == "Kari"
        assert seen_by_child["text"].startswith("Visiting someone in prison\n\n")
        assert seen_by_host["card"] == card and seen_by_host["conversation_id"] == cid

        host.send_json({**send, "client_id": "k1"})  # a resend: the same seq, posted once
        assert receive_until(host, "message.ack")["seq"] == 1
        host.send_json({"type": "message.send", "conversation_id": cid, "client_id": "m2",
                        "text": "Hei!"})  # fmt: skip
        plain = receive_until(child, "message.posted")
        assert plain["seq"] == 2 and "card" not in plain  # an ordinary message has none

        host.send_json({"type": "conversation.sync", "conversation_id": cid, "last_seq": 0})
        history = receive_until(host, "conversation.history")
        assert [m.get("card") for m in history["messages"]] == [card, None]

    with client.websocket_connect("/ws/visitor") as again:
        again.send_json({"type": "hello", "token": conv["token"], "last_seq": 0})
        welcome = receive_until(again, "welcome")
        assert [m.get("card") for m in welcome["messages"]] == [card, None]
        assert welcome["messages"][0]["text"] == seen_by_child["text"]


def status(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/status")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_wait_is_honest_about_whether_any_host_can_answer(client: TestClient) -> None:
    assert status(client)["hosts_available"] is False  # nobody on shift
    add_staff(client, "kari@example.org", "Kari")
    assert status(client)["hosts_available"] is False  # an account is not a person there
    token = staff_token(client, "kari@example.org")
    with staff_socket(client, token) as host:
        receive_until(host, "welcome")
        assert status(client)["hosts_available"] is True
        host.send_json({"type": "staff.availability", "status": "break"})
        receive_until(host, "staff.availability")
        assert status(client)["hosts_available"] is False
        host.send_json({"type": "staff.availability", "status": "available"})
        receive_until(host, "staff.availability")
        assert status(client)["hosts_available"] is True
        body = status(client)
    assert set(body) == {"open", "closes_at", "next_opening", "hosts_available"}  # no count


def test_other_help_is_listed_for_the_visitors_language_defaults_until_configured(
    client: TestClient,
) -> None:
    nb = client.get("/api/help-lines?lang=nb")
    assert nb.status_code == 200
    assert nb.json()[0] == {
        "name": "Alarmtelefonen for barn og unge",
        "contact": "116 111",
        "href": "tel:116111",
        "hours": "Åpen hele døgnet, alle dager",
    }
    assert [h["href"] for h in nb.json()] == ["tel:116111", "tel:112", "tel:113"]
    en = client.get("/api/help-lines?lang=en").json()
    assert en[0]["hours"] == "Open day and night, every day"
    assert client.get("/api/help-lines").json() == nb.json()

    mine = {
        "nb": [
            {
                "name": "Kirkens SOS",
                "contact": "22 40 00 40",
                "href": "tel:+4722400040",
                "hours": "Hele døgnet",
            }
        ],
        "en": [
            {
                "name": "Church SOS",
                "contact": "22 40 00 40",
                "href": "tel:+4722400040",
                "hours": "Day and night",
            }
        ],
    }
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    client.portal.call(set_help_lines, ctx, mine)  # type: ignore[union-attr]
    assert client.get("/api/help-lines?lang=nb").json() == mine["nb"]
    assert client.get("/api/help-lines?lang=en").json() == mine["en"]
    assert client.get("/api/help-lines?lang=xx").json() == mine["nb"]
