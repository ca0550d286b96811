"""Legal holds through the staff API: supervisors only, with a reason."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import add_staff, login, new_conversation


def test_a_supervisor_places_and_releases_a_hold_and_a_host_cannot(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari", "host")
    add_staff(client, "siri@example.org", "Siri", "supervisor")
    conversation = new_conversation(client)["conversation_id"]

    login(client, "kari@example.org")
    body = {"conversation_id": conversation, "reason": "barnet er i fare"}
    assert client.post("/api/holds", json=body).status_code == 403
    assert client.get("/api/holds").status_code == 403
    client.post("/api/staff/logout")

    login(client, "siri@example.org")
    missing_reason = client.post("/api/holds", json={"conversation_id": conversation})
    assert missing_reason.status_code == 422
    blank = client.post("/api/holds", json={"conversation_id": conversation, "reason": " "})
    assert blank.status_code == 422 and "reason" in blank.json()["message"]
    unknown = client.post("/api/holds", json={"conversation_id": "f" * 32, "reason": "x"})
    assert unknown.status_code == 404
    placed = client.post("/api/holds", json=body)
    assert placed.status_code == 201
    assert placed.json()["conversation_id"] == conversation
    assert [h["reason"] for h in client.get("/api/holds").json()] == ["barnet er i fare"]
    assert client.delete(f"/api/holds/{conversation}").status_code == 204
    assert client.delete(f"/api/holds/{conversation}").status_code == 404
    assert client.get("/api/holds").json() == []
    client.post("/api/staff/logout")
    assert client.get("/api/holds").status_code == 401
