"""Canned replies through the staff API: the shared ones for everyone, personal ones for
their owner only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from lykt.actions.canned import add_canned
from tests.conftest import add_staff, login

URL = "/api/canned-replies"


def add_shared(client: TestClient, title: str, text: str, lang: str = "nb") -> int:
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    reply = client.portal.call(add_canned, ctx, None, title, lang, text)  # type: ignore[union-attr]
    return reply.id


def switch_to(client: TestClient, email: str) -> None:
    client.post("/api/staff/logout")
    login(client, email)


def test_every_host_sees_the_shared_replies_first_then_only_their_own(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    add_staff(client, "per@example.org", "Per")
    welcome = add_shared(client, "Velkommen", "Hei, og velkommen hit.")
    goodbye = add_shared(client, "Avslutning", "Takk for at du skrev.", "en")

    login(client, "kari@example.org")
    created = client.post(URL, json={"title": "Alle følelser", "lang": "nb", "text": "Det er lov."})
    assert created.status_code == 201, created.text
    karis = created.json()
    assert karis == {
        "id": karis["id"],
        "title": "Alle følelser",
        "lang": "nb",
        "text": "Det er lov.",
        "shared": False,
    }
    listed = client.get(URL)
    assert listed.status_code == 200
    assert listed.json() == [
        {"id": goodbye, "title": "Avslutning", "lang": "en", "text": "Takk for at du skrev.",
         "shared": True},
        {"id": welcome, "title": "Velkommen", "lang": "nb", "text": "Hei, og velkommen hit.",
         "shared": True},
        karis,
    ]  # fmt: skip

    switch_to(client, "per@example.org")
    seen = client.get(URL).json()
    assert [r["id"] for r in seen] == [goodbye, welcome]
    assert "Det er lov." not in client.get(URL).text


def test_a_host_cannot_delete_a_colleagues_reply_or_a_shared_one_only_their_own(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    add_staff(client, "per@example.org", "Per")
    add_staff(client, "siri@example.org", "Siri", "supervisor")
    shared = add_shared(client, "Velkommen", "Hei!")
    login(client, "kari@example.org")
    karis = client.post(URL, json={"title": "Min", "lang": "nb", "text": "Karis"}).json()["id"]

    switch_to(client, "per@example.org")
    for reply_id in (karis, shared):
        refused = client.delete(f"{URL}/{reply_id}")
        assert refused.status_code == 404
        assert refused.json()["error"] == "not_found"
    # Something that never existed answers exactly the same: nothing to probe.
    assert client.delete(f"{URL}/{karis + 1000}").json() == client.delete(f"{URL}/{karis}").json()
    assert client.delete(f"{URL}/99999999999").status_code == 404  # beyond a 32-bit id
    # Not even a supervisor deletes a shared reply or a host's own here.
    switch_to(client, "siri@example.org")
    assert client.delete(f"{URL}/{karis}").status_code == 404
    assert client.delete(f"{URL}/{shared}").status_code == 404

    switch_to(client, "kari@example.org")
    assert [r["id"] for r in client.get(URL).json()] == [shared, karis]
    deleted = client.delete(f"{URL}/{karis}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert [r["id"] for r in client.get(URL).json()] == [shared]
    assert client.delete(f"{URL}/{karis}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "lang": "nb", "text": "Hei"},
        {"title": "   ", "lang": "nb", "text": "Hei"},
        {"title": "x" * 81, "lang": "nb", "text": "Hei"},
        {"title": "Hei", "lang": "nb", "text": ""},
        {"title": "Hei", "lang": "nb", "text": "x" * 2001},
        {"title": "Hei", "lang": "nb", "text": "nul \u0000 tegn"},
        {"title": "Hei", "lang": "de", "text": "Hallo"},
        {"title": "Hei", "lang": "nb"},
        {"title": "Hei", "text": "Hei"},
        {"title": 5, "lang": "nb", "text": "Hei"},
        {"title": "Hei", "lang": ["nb"], "text": "Hei"},
        {"title": "Hei", "lang": "nb", "text": None},
    ],
)
def test_a_bad_canned_reply_gets_422_and_nothing_is_stored(
    client: TestClient, body: dict[str, Any]
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    refused = client.post(URL, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "invalid" and refused.json()["message"]
    assert client.get(URL).json() == []


def test_a_bad_id_is_refused_without_touching_anything(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    mine = client.post(URL, json={"title": "Min", "lang": "nb", "text": "Hei"}).json()
    assert client.delete(f"{URL}/abc").status_code == 422
    assert client.delete(f"{URL}/-1").status_code == 404
    assert client.get(URL).json() == [mine]


def test_canned_replies_need_a_logged_in_staff_member(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    shared = add_shared(client, "Velkommen", "Hei!")
    body = {"title": "Min", "lang": "nb", "text": "Hei"}
    assert client.get(URL).status_code == 401
    assert client.post(URL, json=body).status_code == 401
    assert client.delete(f"{URL}/{shared}").status_code == 401

    login(client, "kari@example.org")
    mine = client.post(URL, json=body).json()["id"]
    client.post("/api/staff/logout")
    assert client.get(URL).status_code == 401
    assert client.delete(f"{URL}/{mine}").status_code == 401
    login(client, "kari@example.org")
    assert [r["id"] for r in client.get(URL).json()] == [shared, mine]
