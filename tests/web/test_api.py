from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, add_staff, login, otp


def test_status_says_the_chat_is_open(client: TestClient) -> None:
    response = client.get("/api/status")
    assert response.status_code == 200
    assert response.json()["open"] is True


def test_visitor_gets_a_conversation_and_a_long_random_token(client: TestClient) -> None:
    response = client.post("/api/conversations", json={"age": 12, "about": "friend"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"conversation_id", "token"}
    # token_urlsafe(32): 256 random bits, 43 characters
    assert len(body["token"]) >= 43
    assert "set-cookie" not in response.headers
    other = client.post("/api/conversations", json={"age": None, "about": "self"}).json()
    assert other["token"] != body["token"]


def test_wrong_conversation_bodies_get_a_clear_error(client: TestClient) -> None:
    for body in (
        {"age": "twelve", "about": "self"},
        {"age": 12, "about": "neighbour"},
        {"age": 12},
        {"age": 1000, "about": "self"},
        {"age": True, "about": "self"},
    ):
        response = client.post("/api/conversations", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"] == "invalid"


def test_malformed_and_oversized_bodies_are_refused(client: TestClient) -> None:
    bad = client.post(
        "/api/conversations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 422
    huge = client.post(
        "/api/conversations",
        content=b'{"age": 12, "about": "self", "pad": "' + b"x" * 100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413


def test_staff_login_sets_a_strict_httponly_cookie(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    response = client.post(
        "/api/staff/login",
        json={
            "email": "Kari@Example.org",
            "password": PASSWORD,
            "otp": otp(client, "kari@example.org"),
        },
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "lykt_staff=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert client.get("/api/staff/me").json()["display_name"] == "Kari"


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    wrong = client.post("/api/staff/login", json={"email": "kari@example.org", "password": "x"})
    unknown = client.post("/api/staff/login", json={"email": "nobody@x.org", "password": "x"})
    # U+0000 cannot be in a stored email (PostgreSQL refuses it): simply unknown, not a 500
    nul = client.post("/api/staff/login", json={"email": "kari\u0000@x.org", "password": "x"})
    assert wrong.status_code == unknown.status_code == nul.status_code == 401
    assert wrong.json() == unknown.json() == nul.json()
    assert "set-cookie" not in wrong.headers


def test_logout_ends_the_staff_session(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    assert client.get("/api/staff/me").status_code == 200
    token = client.cookies.get("lykt_staff")
    assert client.post("/api/staff/logout").status_code == 204
    client.cookies.set("lykt_staff", token or "")
    assert client.get("/api/staff/me").status_code == 401


def test_pages_load_only_our_own_files_and_are_not_cached(client: TestClient) -> None:
    for path in ("/", "/staff"):
        response = client.get(path)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "set-cookie" not in response.headers
        # Nothing from elsewhere (the quick exit's link is a way out, not something loaded).
        text = re.sub(r'<a id="quick-exit"[^>]*>', "", response.text)
        assert "http://" not in text and "https://" not in text


def test_only_a_profile_photo_upload_may_be_larger_than_16_kib(client: TestClient) -> None:
    body = b"x" * 24_000
    headers = {"content-type": "multipart/form-data; boundary=b"}
    assert client.post("/api/conversations", content=body, headers=headers).status_code == 413
    # A 20 KB photo with its form fits under the photo upload's own limit (32 KiB): the
    # request gets as far as asking who is logged in.
    assert client.post("/admin/profiles/1", content=body, headers=headers).status_code == 401
    too_big = b"x" * 40_000
    assert client.post("/admin/profiles/1", content=too_big, headers=headers).status_code == 413
