"""Staff accounts over HTTP and the staff socket: the code, the cookie, cross-site requests,
sessions that end at once (on another process too), enrolment and the sessions list."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from lykt.actions.staff import end_all_sessions, list_staff, reset_second_factor
from lykt.app import create_app
from tests.conftest import (
    PASSWORD,
    add_staff,
    login,
    make_settings,
    otp,
    receive_until,
    staff_socket,
    staff_token,
)
from tests.otp import code_after


def ctx_of(client: TestClient) -> object:
    return client.app.state.services.ctx  # type: ignore[attr-defined]


def member_id(client: TestClient, email: str) -> int:
    staff = client.portal.call(list_staff, ctx_of(client))  # type: ignore[union-attr]
    return next(s.id for s in staff if s.email == email)


def test_without_a_code_or_with_a_used_one_the_answer_is_a_wrong_login(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    body = {"email": "kari@example.org", "password": PASSWORD}
    no_code = client.post("/api/staff/login", json=body)
    wrong_password = client.post(
        "/api/staff/login", json={**body, "password": "not it at all", "otp": "123456"}
    )
    code = otp(client, "kari@example.org")
    assert client.post("/api/staff/login", json={**body, "otp": code}).status_code == 200
    client.cookies.clear()
    reused = client.post("/api/staff/login", json={**body, "otp": code})
    assert no_code.status_code == wrong_password.status_code == reused.status_code == 401
    assert no_code.json() == wrong_password.json() == reused.json()
    assert no_code.json()["error"] == "invalid_login"
    assert "set-cookie" not in reused.headers


def test_repeated_wrong_passwords_get_a_429_with_the_time_to_wait(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    answers = [
        client.post(
            "/api/staff/login",
            json={"email": "kari@example.org", "password": f"guess number {i}", "otp": "000000"},
        )
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].json()["error"] == "rate_limited"


def test_the_cookie_is_host_prefixed_and_secure_with_secure_cookies(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, secure_cookies=True)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        add_staff(client, "kari@example.org", "Kari")
        response = client.post(
            "/api/staff/login",
            json={
                "email": "kari@example.org",
                "password": PASSWORD,
                "otp": otp(client, "kari@example.org"),
            },
        )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-lykt_staff=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "domain" not in cookie.lower()
        assert client.get("/api/staff/me").status_code == 200


def test_without_secure_cookies_the_cookie_is_plain_but_strict(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    assert client.cookies.get("lykt_staff")


def test_a_cross_site_post_is_refused_and_changes_nothing(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    login(client, "kari@example.org")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "https://testserver"},  # another scheme is another origin
        {"Sec-Fetch-Site": "cross-site"},
    ):
        refused = client.post("/api/staff/logout", headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json()["error"] == "forbidden_origin"
    assert client.get("/api/staff/me").status_code == 200  # still logged in
    same = client.post("/api/staff/logout", headers={"Origin": "http://testserver"})
    assert same.status_code == 204


def test_a_staff_socket_from_a_foreign_scheme_is_refused(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    token = staff_token(client, "kari@example.org")
    headers = {"cookie": f"lykt_staff={token}", "origin": "https://testserver"}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws/staff", headers=headers) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 4403
    headers["origin"] = "http://testserver"
    with client.websocket_connect("/ws/staff", headers=headers) as ws:
        assert receive_until(ws, "welcome")["staff"]["display_name"] == "Kari"


def test_an_admin_ending_the_sessions_closes_the_open_console_at_once(
    client: TestClient,
) -> None:
    add_staff(client, "kari@example.org", "Kari")
    token = staff_token(client, "kari@example.org")
    with staff_socket(client, token) as ws:
        receive_until(ws, "welcome")
        kari = member_id(client, "kari@example.org")
        client.portal.call(end_all_sessions, ctx_of(client), None, kari)  # type: ignore[union-attr]
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_until(ws, "never")  # a heartbeat is 15 s away: this is the close itself
        assert closed.value.code == 4401
    client.cookies.set("lykt_staff", token)
    assert client.get("/api/staff/me").status_code == 401


@pytest.mark.databases("postgresql")
def test_the_console_on_another_process_closes_at_once_too(
    tmp_path: Path, database_url: str
) -> None:
    prefix = f"lykt-test-{secrets.token_hex(6)}"
    with (
        TestClient(create_app(make_settings(tmp_path / "a", database_url, redis_prefix=prefix)))
        as a,
        TestClient(create_app(make_settings(tmp_path / "b", database_url, redis_prefix=prefix)))
        as b,
    ):  # fmt: skip
        add_staff(a, "kari@example.org", "Kari")
        token = staff_token(b, "kari@example.org")
        with staff_socket(b, token) as ws:
            receive_until(ws, "welcome")
            kari = member_id(a, "kari@example.org")
            a.portal.call(end_all_sessions, ctx_of(a), None, kari)  # type: ignore[union-attr]
            with pytest.raises(WebSocketDisconnect) as closed:
                receive_until(ws, "never")
            assert closed.value.code == 4401


def test_after_a_reset_the_next_login_enrols_a_new_second_factor(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    kari = member_id(client, "kari@example.org")
    client.portal.call(reset_second_factor, ctx_of(client), None, kari)  # type: ignore[union-attr]
    enrol = client.post(
        "/api/staff/login", json={"email": "kari@example.org", "password": PASSWORD}
    )
    assert enrol.status_code == 403
    offer = enrol.json()
    assert offer["error"] == "enrol" and offer["otpauth_uri"].startswith("otpauth://totp/")
    assert offer["qr_svg"].startswith("<svg")
    assert "set-cookie" not in enrol.headers  # no session before the code
    wrong = client.post("/api/staff/enrol", json={"enrolment": offer["enrolment"], "otp": "1"})
    assert wrong.status_code == 401
    code = code_after(offer["secret"], None)
    done = client.post("/api/staff/enrol", json={"enrolment": offer["enrolment"], "otp": code})
    assert done.status_code == 200
    assert client.get("/api/staff/me").json()["display_name"] == "Kari"


def test_a_member_lists_and_ends_their_sessions_over_http(client: TestClient) -> None:
    add_staff(client, "kari@example.org", "Kari")
    other = staff_token(client, "kari@example.org")
    login(client, "kari@example.org")
    listed = client.get("/api/staff/sessions").json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert all(set(s) == {"id", "label", "created_at", "last_seen_at", "current"} for s in listed)
    [elsewhere] = [s for s in listed if not s["current"]]
    assert client.delete(f"/api/staff/sessions/{elsewhere['id']}").status_code == 204
    assert client.delete(f"/api/staff/sessions/{elsewhere['id']}").status_code == 404
    assert len(client.get("/api/staff/sessions").json()) == 1
    mine = client.cookies.get("lykt_staff")
    client.cookies.clear()
    client.cookies.set("lykt_staff", other)
    assert client.get("/api/staff/me").status_code == 401
    client.cookies.clear()
    client.cookies.set("lykt_staff", mine or "")
    changed = client.post(
        "/api/staff/password", json={"current": PASSWORD, "new": "plum orchard lighthouse 42"}
    )
    assert changed.status_code == 204
    weak = client.post(
        "/api/staff/password", json={"current": "plum orchard lighthouse 42", "new": "abc"}
    )
    assert weak.status_code == 422
