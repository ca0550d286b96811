"""The one-time invitation link: a new member sets a name and password and enrols the second
factor on a plain page; the link works once, and not for anyone who mistypes it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from lykt.actions.staff import invite_staff
from tests.otp import code_after


def invite(client: TestClient, email: str = "nina@example.org") -> str:
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    _, token = client.portal.call(invite_staff, ctx, None, email, "host")  # type: ignore[union-attr]
    return str(token)


def test_a_new_member_sets_up_the_account_from_the_link_once(client: TestClient) -> None:
    token = invite(client)
    page = client.get(f"/staff/invitation/{token}")
    assert page.status_code == 200
    assert "nina@example.org" in page.text and "<svg" in page.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.text)
    assert secret is not None
    form = {"display_name": "Nina", "password": "plum orchard lighthouse 42", "otp": "000000"}
    wrong = client.post(f"/staff/invitation/{token}", data=form, follow_redirects=False)
    assert wrong.status_code == 422
    assert "Koden stemte ikke" in wrong.text and 'value="Nina"' in wrong.text
    weak = client.post(
        f"/staff/invitation/{token}",
        data={**form, "password": "nina12345678", "otp": code_after(secret[1], None)},
        follow_redirects=False,
    )
    assert weak.status_code == 422 and "for lett å gjette" in weak.text
    done = client.post(
        f"/staff/invitation/{token}",
        data={**form, "otp": code_after(secret[1], None)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/staff"
    me = client.get("/api/staff/me").json()
    assert me["display_name"] == "Nina" and me["role"] == "host"
    assert client.get(f"/staff/invitation/{token}").status_code == 404  # used


def test_a_mistyped_link_says_so_and_shows_nothing(client: TestClient) -> None:
    invite(client)
    page = client.get("/staff/invitation/not-the-token")
    assert page.status_code == 404
    assert "Lenken virker ikke" in page.text and "<svg" not in page.text.split("</header>")[1]
