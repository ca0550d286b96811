"""The admin pages: only admins get in; every form changes what the pages (and the visitors)
see, writes one audit row, and a form with a mistake is shown again with the message by the
field and nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from lykt.actions.audit import audit_log, record
from lykt.actions.hours import load_config
from lykt.actions.staff import list_staff
from lykt.actions.topics import list_topics
from lykt.app import create_app
from lykt.clock import ManualClock
from lykt.models import AuditEntry
from lykt.web.admin import router as admin_router
from tests.conftest import add_staff, login, make_settings

OSLO = ZoneInfo("Europe/Oslo")
# Monday 5 January 2026, 09:00 in Oslo: the next four weeks run to Sunday 1 February; the
# default week opens on Wednesdays and Fridays, 15:00-22:00.
MONDAY = datetime(2026, 1, 5, 9, tzinfo=OSLO)
ADMIN = "ada@example.org"
ORIGIN = {"origin": "http://testserver"}  # what a browser sends with a form from our page
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
GET_PAGES = (
    "/admin",
    "/admin/hours",
    "/admin/profiles",
    "/admin/canned",
    "/admin/topics",
    "/admin/site",
    "/admin/audit",
    "/admin/staff",
)


@pytest.fixture
def app_client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, database_url, opening_hours="schedule")
    with TestClient(create_app(settings, clock=ManualClock(MONDAY))) as client:
        yield client


@pytest.fixture
def admin(app_client: TestClient) -> TestClient:
    """The client, logged in as Ada, an admin."""
    add_staff(app_client, ADMIN, "Ada", "admin")
    return login(app_client, ADMIN)


def call(client: TestClient, work: Any, *args: Any, **kwargs: Any) -> Any:
    ctx = client.app.state.services.ctx  # type: ignore[attr-defined]
    return client.portal.call(lambda: work(ctx, *args, **kwargs))  # type: ignore[union-attr]


def staff_id(client: TestClient, email: str) -> int:
    return next(m.id for m in call(client, list_staff) if m.email == email)


def changes(client: TestClient) -> list[tuple[str, str, str, str]]:
    """The audit rows the admin pages write (logins and the like left out)."""
    kinds = ("hours.", "profile.", "canned.", "topic.", "site.", "staff.", "second_factor.")
    return [
        (e.actor, e.action, e.subject, e.detail)
        for e in call(client, audit_log)
        if e.action.startswith(kinds) and e.action != "staff.added"
    ]


def topics(client: TestClient) -> list[str]:
    return list(call(client, list_topics))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def post(client: TestClient, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
    return client.post(path, data=data, headers=ORIGIN, follow_redirects=False, **kwargs)


def submit(client: TestClient, path: str, data: dict[str, str], **kwargs: Any) -> str:
    """Post a form that should work: 303 back to a page that says what was done."""
    response = post(client, path, data, **kwargs)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    status = re.search(r'<p class="status-message" role="status">([^<]+)</p>', page.text)
    assert status, "no status message after the change"
    return page.text


def refused(client: TestClient, path: str, data: dict[str, str], field: str, **kwargs: Any) -> str:
    """Post a form with a mistake: shown again (422) with the message tied to ``field``."""
    response = post(client, path, data, **kwargs)
    assert response.status_code == 422, response.text
    html = response.text
    assert f'id="{field}-error"' in html
    tag = re.search(rf'<(?:input|textarea|select)[^>]*id="{field}"[^>]*>', html)
    assert tag, f"no field {field}"
    assert f"{field}-error" in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
    assert f'href="#{field}"' in html  # the summary at the top leads to it
    return html


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


# -- who gets in -------------------------------------------------------------------------------
def admin_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every door under /admin (the admin router's own table)."""
    routes = []
    for route in admin_router.routes:
        if isinstance(route, APIRoute):
            assert route.path.startswith("/admin")
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            routes.extend((method, path) for method in sorted(route.methods))
    return routes


@pytest.mark.parametrize("role", ["host", "supervisor"])
def test_hosts_and_supervisors_get_a_page_that_says_admins_only(
    app_client: TestClient, role: str
) -> None:
    add_staff(app_client, "kari@example.org", "Kari", role)
    login(app_client, "kari@example.org")
    routes = admin_routes(app_client)
    assert len(routes) >= 20  # every page and every form
    before = topics(app_client)
    form = {"name": before[0], "topic-name": "Nytt tema", "quick-exit-url": "https://x.example/"}
    for method, path in routes:
        response = app_client.request(method, path, headers=ORIGIN, data=form)
        assert response.status_code == 403, (method, path)
        assert "Bare for administratorer" in response.text
        assert "Kari" in response.text and 'href="/staff"' in response.text
    assert topics(app_client) == before  # nothing removed, nothing added
    assert quick_exit(app_client) == "https://www.yr.no/"
    assert changes(app_client) == []


def test_logged_out_the_pages_say_to_log_in_at_the_console(app_client: TestClient) -> None:
    for method, path in admin_routes(app_client):
        response = app_client.request(method, path, headers=ORIGIN, data={"topic-name": "X"})
        assert response.status_code == 401, (method, path)
        assert "Logg inn først" in response.text
        assert re.search(r'<a [^>]*href="/staff"[^>]*>Logg inn på vaktsiden</a>', response.text)
    assert "X" not in topics(app_client)


def test_every_page_opens_for_an_admin_with_the_menu(admin: TestClient) -> None:
    for path in GET_PAGES:
        response = admin.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert '<html lang="nb">' in html
        assert re.search(rf'<a href="{path}" aria-current="page">', html), path
        assert "<script" not in html or 'src="/static/admin.js"' in html
        assert response.headers["cache-control"] == "no-store"


# -- opening hours -----------------------------------------------------------------------------
def test_weekly_hours_are_saved_shown_and_audited(admin: TestClient) -> None:
    form = {f"weekly-{d}": "" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    # A time without minutes is a mistake: shown again, as typed, and nothing changes.
    html = refused(
        admin,
        "/admin/hours/weekly",
        {**form, "weekly-mon": "10:00-12:00", "weekly-sat": "12-16"},
        "weekly-sat",
    )
    assert 'value="12-16"' in html and 'value="10:00-12:00"' in html
    assert "Lørdag: skriv tiden som 15:00-22:00" in html
    assert [s.weekday for s in call(admin, load_config).weekly] == [2, 4]

    html = submit(
        admin,
        "/admin/hours/weekly",
        {**form, "weekly-mon": "10:00-12:00, 18:00-20:00", "weekly-sat": "12.00-24:00"},
    )
    assert "De faste åpningstidene er lagret." in html
    assert 'value="10:00-12:00, 18:00-20:00"' in html and 'value="12:00-24:00"' in html
    assert 'id="weekly-wed" name="weekly-wed" type="text" value=""' in html
    preview = text_of(section(html, "preview-title"))
    assert "Mandag 5. januar 10:00–12:00, 18:00–20:00" in preview
    assert "Lørdag 10. januar 12:00–24:00" in preview
    assert "Onsdag" not in preview
    staff = f"staff:{staff_id(admin, ADMIN)}"
    assert changes(admin) == [
        (staff, "hours.weekly_set", "", "mon 10:00-12:00, mon 18:00-20:00, sat 12:00-24:00")
    ]


def test_a_closed_day_and_an_extra_opening_show_in_the_next_four_weeks(admin: TestClient) -> None:
    html = submit(
        admin, "/admin/hours/closed", {"closed-date": "14.01.2026", "closed-note": "Planlegging"}
    )
    assert "Den stengte dagen er lagt til." in html
    listed = text_of(section(html, "exceptions-title"))
    assert "Onsdag 14. januar Stengt – Planlegging" in listed
    preview = text_of(section(html, "preview-title"))
    assert "Onsdag 14. januar Stengt Planlegging" in preview
    assert "Fredag 16. januar 15:00–22:00" in preview

    html = submit(
        admin,
        "/admin/hours/extra",
        {"extra-date": "2026-01-10", "extra-span": "12:00-14:00", "extra-note": "Juleball"},
    )
    assert "Den ekstra åpningen er lagt til." in html
    preview = text_of(section(html, "preview-title"))
    assert "Lørdag 10. januar 12:00–14:00 Ekstra åpning (Juleball)" in preview

    html = submit(admin, "/admin/hours/remove", {"day": "2026-01-14"})
    assert "Unntaket er fjernet." in html
    preview = text_of(section(html, "preview-title"))
    assert "Onsdag 14. januar 15:00–22:00" in preview and "Planlegging" not in html
    staff = f"staff:{staff_id(admin, ADMIN)}"
    assert changes(admin) == [
        (staff, "hours.closed_added", "2026-01-14", "Planlegging"),
        (staff, "hours.extra_added", "2026-01-10", "12:00-14:00 Juleball"),
        (staff, "hours.day_removed", "2026-01-14", "1 removed"),
    ]


def test_mistakes_in_the_exceptions_are_shown_by_the_field_and_change_nothing(
    admin: TestClient,
) -> None:
    html = refused(
        admin, "/admin/hours/closed", {"closed-date": "31.02.2026", "closed-note": "Vinterferie"},
        "closed-date",
    )  # fmt: skip
    assert 'value="31.02.2026"' in html and 'value="Vinterferie"' in html
    assert "Skriv datoen som dd.mm.åååå" in html
    refused(
        admin, "/admin/hours/closed", {"closed-date": "14.01.2026", "closed-note": "x" * 201},
        "closed-note",
    )  # fmt: skip
    html = refused(
        admin, "/admin/hours/extra",
        {"extra-date": "10.01.2026", "extra-span": "14:00-12:00", "extra-note": ""}, "extra-span",
    )  # fmt: skip
    assert 'value="14:00-12:00"' in html and 'value="10.01.2026"' in html
    submit(admin, "/admin/hours/closed", {"closed-date": "14.01.2026", "closed-note": ""})
    html = refused(
        admin, "/admin/hours/closed", {"closed-date": "14.01.2026", "closed-note": ""},
        "closed-date",
    )  # fmt: skip
    assert "Onsdag 14. januar 2026 er allerede en stengt dag." in html
    html = refused(admin, "/admin/hours/timezone", {"timezone": "Mars/Olympus"}, "timezone")
    assert 'value="Mars/Olympus"' in html
    config = call(admin, load_config)
    assert config.timezone == "Europe/Oslo"
    assert [(d.day.isoformat(), d.kind) for d in config.dated] == [("2026-01-14", "closed")]
    assert [a for _, a, _, _ in changes(admin)] == ["hours.closed_added"]


def test_holidays_and_the_timezone(admin: TestClient) -> None:
    html = submit(admin, "/admin/hours/holidays", {"holidays": "open"})
    assert "Valget for helligdager er lagret." in html
    assert re.search(r'id="holidays-open" name="holidays" value="open" checked', html)
    assert call(admin, load_config).norwegian_holidays is False
    html = submit(admin, "/admin/hours/timezone", {"timezone": " Europe/London "})
    assert 'value="Europe/London"' in html
    assert call(admin, load_config).timezone == "Europe/London"
    assert [(a, d) for _, a, _, d in changes(admin)] == [
        ("hours.holidays_set", "off"),
        ("hours.timezone_set", "Europe/London"),
    ]


# -- profiles ----------------------------------------------------------------------------------
def test_a_profile_with_text_and_photo_reaches_who_answers(admin: TestClient) -> None:
    add_staff(admin, "kari@example.org", "Kari")
    kari = staff_id(admin, "kari@example.org")
    assert "Kari" not in admin.get("/hvem-svarer").text
    html = submit(
        admin,
        f"/admin/profiles/{kari}",
        {"show": "1", "bio": "Jeg liker fotball."},
        files={"photo": ("kari.png", PNG, "image/png")},
    )
    assert "Profilen er lagret." in html
    assert f'src="/admin/profiles/{kari}/photo"' in html
    public = admin.get("/hvem-svarer").text
    assert "Kari" in public and "Jeg liker fotball." in public
    assert admin.get(f"/hosts/{kari}/photo").content == PNG

    # Hidden again and the photo removed; the text stays.
    submit(admin, f"/admin/profiles/{kari}", {"bio": "Jeg liker fotball.", "remove-photo": "1"})
    assert "Kari" not in admin.get("/hvem-svarer").text
    assert admin.get(f"/admin/profiles/{kari}/photo").status_code == 404
    assert changes(admin) == [
        (f"staff:{staff_id(admin, ADMIN)}", "profile.changed", f"staff:{kari}", d)
        for d in ("shown, text, photo", "hidden, photo removed")
    ]


def test_a_wrong_photo_or_too_long_text_changes_nothing(admin: TestClient) -> None:
    add_staff(admin, "kari@example.org", "Kari")
    kari = staff_id(admin, "kari@example.org")
    html = refused(
        admin, f"/admin/profiles/{kari}", {"show": "1", "bio": "Hei"}, f"photo-{kari}",
        files={"photo": ("kari.gif", b"GIF89a" + bytes(50), "image/gif")},
    )  # fmt: skip
    assert "Bildet må være JPEG, PNG eller WebP." in html
    assert "Hei</textarea>" in html  # what was typed is kept
    html = refused(admin, f"/admin/profiles/{kari}", {"bio": "x" * 601}, f"bio-{kari}")
    assert "høyst 600 tegn (nå 601)" in html
    assert "Kari" not in admin.get("/hvem-svarer").text
    assert changes(admin) == []


# -- canned replies and topics -----------------------------------------------------------------
def test_shared_canned_replies_are_added_and_removed(admin: TestClient) -> None:
    html = refused(
        admin, "/admin/canned", {"canned-title": "", "canned-lang": "nb", "canned-text": "Hei!"},
        "canned-title",
    )  # fmt: skip
    assert "Hei!</textarea>" in html
    html = submit(
        admin,
        "/admin/canned",
        {"canned-title": "Velkommen", "canned-lang": "nb", "canned-text": "Hei, og velkommen!"},
    )
    assert "Det ferdige svaret er lagt til." in html
    listed = text_of(section(html, "list-title"))
    assert "Felles svar (1)" in listed and "Velkommen Norsk (bokmål) Hei, og velkommen!" in listed
    reply_id = re.search(r'action="/admin/canned/(\d+)/remove"', html)
    assert reply_id
    html = submit(admin, f"/admin/canned/{reply_id.group(1)}/remove", {})
    assert "Det ferdige svaret er fjernet." in html and "Felles svar (0)" in html
    staff = f"staff:{staff_id(admin, ADMIN)}"
    assert changes(admin) == [
        (staff, "canned.added", reply_id.group(1), "Velkommen"),
        (staff, "canned.removed", reply_id.group(1), "Velkommen"),
    ]


def test_wrap_up_topics_are_added_and_removed(admin: TestClient) -> None:
    before = topics(admin)
    html = submit(admin, "/admin/topics", {"topic-name": "  Gaming  "})
    assert "Temaet er lagt til nederst i lista." in html
    assert topics(admin) == [*before, "Gaming"]
    html = refused(admin, "/admin/topics", {"topic-name": "gaming"}, "topic-name")
    assert "Temaet «gaming» finnes allerede." in html and 'value="gaming"' in html
    html = submit(admin, "/admin/topics/remove", {"name": "Gaming"})
    assert "Temaet er fjernet." in html
    assert topics(admin) == before
    staff = f"staff:{staff_id(admin, ADMIN)}"
    assert changes(admin) == [
        (staff, "topic.added", "", "Gaming"),
        (staff, "topic.removed", "", "Gaming"),
    ]


# -- the quick exit ----------------------------------------------------------------------------
def quick_exit(client: TestClient, path: str = "/") -> str:
    match = re.search(r'<a id="quick-exit"[^>]*href="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_the_visitor_pages_quick_exit_follows_the_chosen_site(admin: TestClient) -> None:
    assert quick_exit(admin) == "https://www.yr.no/"
    html = refused(admin, "/admin/site", {"quick-exit-url": "http://www.nrk.no/"}, "quick-exit-url")
    assert 'value="http://www.nrk.no/"' in html
    refused(admin, "/admin/site", {"quick-exit-url": "https://"}, "quick-exit-url")
    assert quick_exit(admin) == "https://www.yr.no/"

    html = submit(admin, "/admin/site", {"quick-exit-url": "https://www.nrk.no/sport/"})
    assert "Rask utgang sender nå besøkende til det nye nettstedet." in html
    for path in ("/", "/hvem-svarer", "/personvern", "/avvergingsplikt", "/?lang=en"):
        assert quick_exit(admin, path) == "https://www.nrk.no/sport/"

    submit(admin, "/admin/site", {"use-default": "1", "quick-exit-url": ""})
    assert quick_exit(admin) == "https://www.yr.no/"
    assert [(a, d) for _, a, _, d in changes(admin)] == [
        ("site.quick_exit_set", "https://www.nrk.no/sport/"),
        ("site.quick_exit_set", "default"),
    ]


# -- the audit log -----------------------------------------------------------------------------
def test_the_audit_log_pages_newest_first_and_says_when_it_was_tampered_with(
    admin: TestClient,
) -> None:
    async def fill(ctx: Any) -> None:
        async with ctx.transaction() as tx:
            for n in range(150):
                await record(tx.session, ctx, "operator", "topic.added", "", f"tema {n}")

    call(admin, fill)
    total = len(call(admin, audit_log))
    first = admin.get("/admin/audit").text
    assert f"Loggen er urørt: alle {total} radene henger sammen i kjeden." in first
    assert f"Side 1 av {-(-total // 100)}" in first
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">", first)
    assert len(rows) == 100
    shown = re.findall(r"<td>tema (\d+)</td>", first)
    assert shown[:3] == ["149", "148", "147"] and len(shown) == 100
    assert "Drift (kommandolinjen)" in first and "Tema lagt til" in first
    second = admin.get("/admin/audit?side=2").text
    assert re.findall(r"<td>tema (\d+)</td>", second)[0] == "49"
    assert 'href="/admin/audit?side=1" rel="prev"' in second

    async def tamper(ctx: Any) -> int:
        async with ctx.transaction() as tx:
            entry = (await tx.session.execute(_row("tema 10"))).scalar_one()
            entry.detail = "tema ti"
            return int(entry.id)

    bad = call(admin, tamper)
    html = admin.get("/admin/audit").text
    assert f"Loggen er endret ved rad {bad}: raden er endret etter at den ble skrevet." in html


def _row(detail: str) -> Any:
    return select(AuditEntry).where(AuditEntry.detail == detail)


# -- staff accounts ----------------------------------------------------------------------------
def member_row(html: str, name: str) -> str:
    row = re.search(rf"<tr[^>]*>\s*<th scope=\"row\"><a [^>]*>{name}</a>.*?</tr>", html, re.S)
    assert row, f"no row for {name}"
    return text_of(row.group(0))


def test_an_invitation_link_is_shown_once_and_the_invitation_waits(admin: TestClient) -> None:
    html = refused(
        admin, "/admin/staff/invite", {"invite-email": "nina", "invite-role": "host"},
        "invite-email",
    )  # fmt: skip
    assert 'value="nina"' in html
    html = refused(
        admin, "/admin/staff/invite", {"invite-email": ADMIN, "invite-role": "host"},
        "invite-email",
    )  # fmt: skip
    assert "Det finnes alt en ansatt med denne e-postadressen." in html

    response = post(
        admin, "/admin/staff/invite", {"invite-email": "nina@example.org", "invite-role": "host"}
    )
    assert response.status_code == 200
    link = re.search(r'value="(http://testserver/staff/invitation/([\w-]{40,}))"', response.text)
    assert link, "no invitation link"
    assert "virker én gang, i 72 timer, og vises bare nå" in response.text
    again = admin.get("/admin/staff").text
    assert link.group(2) not in again
    assert "nina@example.org" in text_of(again) and "Vert, gyldig til torsdag 8. januar" in again
    staff = f"staff:{staff_id(admin, ADMIN)}"
    assert changes(admin) == [(staff, "staff.invited", "nina@example.org", "host")]


def test_an_admin_changes_a_members_role_maximum_and_access(admin: TestClient) -> None:
    add_staff(admin, "kari@example.org", "Kari")
    kari = staff_id(admin, "kari@example.org")
    assert member_row(admin.get("/admin/staff").text, "Kari").endswith(
        "kari@example.org Vert 3 (standard) Aktiv"
    )
    page = f"/admin/staff/{kari}"
    html = submit(admin, f"{page}/role", {"role": "supervisor"})
    assert "Rollen er endret." in html and "<dd>Leder</dd>" in html
    html = refused(admin, f"{page}/max-chats", {"max-chats": "0"}, "max-chats")
    assert 'value="0"' in html and "Skriv et helt tall fra 1 til 20." in html
    html = submit(admin, f"{page}/max-chats", {"max-chats": "5"})
    assert "Maks antall samtaler samtidig er lagret." in html and 'value="5"' in html
    html = submit(admin, f"{page}/access", {"active": "0"})
    assert "Kontoen er stengt." in html and "<dd>Stengt</dd>" in html
    assert member_row(admin.get("/admin/staff").text, "Kari").endswith(
        "kari@example.org Leder 5 Stengt"
    )
    html = submit(admin, f"{page}/access", {"active": "1"})
    assert "Kontoen er åpnet igjen." in html
    html = submit(admin, f"{page}/second-factor", {})
    assert "Totrinnskoden er nullstilt." in html and "Ikke satt opp" in html
    html = submit(admin, f"{page}/sessions", {})
    assert "Den ansatte er logget ut overalt." in html
    who = f"staff:{kari}"
    assert [(a, s, d) for _, a, s, d in changes(admin)] == [
        ("staff.role_changed", who, "host -> supervisor"),
        ("staff.max_chats", who, "5"),
        ("staff.deactivated", who, ""),
        ("staff.reactivated", who, ""),
        ("second_factor.reset", who, ""),
    ]  # the sessions' end is audited too, but not as a change to the account


def test_an_admin_cannot_lock_themself_out(admin: TestClient) -> None:
    me = staff_id(admin, ADMIN)
    html = admin.get(f"/admin/staff/{me}").text
    assert "Steng kontoen" not in html and "Du kan ikke stenge din egen konto." in html
    response = post(admin, f"/admin/staff/{me}/access", {"active": "0"})
    assert response.status_code == 422 and "Du kan ikke stenge din egen konto." in response.text
    html = refused(admin, f"/admin/staff/{me}/role", {"role": "host"}, "role")
    assert "Du kan ikke ta fra deg selv rollen som administrator." in html
    assert admin.get("/admin").status_code == 200  # still an admin, still logged in
