"""The admin pages in a real browser: axe-core finds no WCAG 2.1 A/AA violation on any of them
(as they load, with a form's mistake shown, with an invitation link shown, logged out, as a
host), and an admin adds a closed day on /admin/hours with the keyboard alone and sees it in
the next four weeks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import AXE_JS, HOST_EMAIL, NewPage, missing
from tests.browser.people import log_in
from tests.browser.test_accessibility import Axe
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

ADMIN_EMAIL = "ada@example.org"
ADMIN_NAME = "Ada"
PAGES = (
    ("/admin", "Administrasjon"),
    ("/admin/hours", "Åpningstider"),
    ("/admin/profiles", "Hvem svarer"),
    ("/admin/canned", "Ferdige svar"),
    ("/admin/topics", "Temaer"),
    ("/admin/site", "Rask utgang"),
    ("/admin/staff", "Ansatte"),
    ("/admin/audit", "Logg"),
)


@pytest.fixture
def axe() -> Axe:
    if not AXE_JS.exists():
        missing(f"axe-core is not installed at {AXE_JS} (`npm ci` in tests/browser)")
    return Axe(str(AXE_JS))


@pytest.fixture
def admin_server(server: ServerProcess) -> ServerProcess:
    """The running server with an admin (Ada) beside its host (Kari)."""
    server.add_staff(ADMIN_EMAIL, ADMIN_NAME, "admin")
    return server


def log_in_as_admin(page: Page, server: ServerProcess) -> None:
    """Through the console, as Ada would, and on to the admin pages."""
    log_in(page, server.base_url, ADMIN_EMAIL, otp=server.otp(ADMIN_EMAIL))
    page.goto(server.base_url + "/admin")
    expect(page.get_by_role("heading", name="Administrasjon", level=1)).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_every_admin_page_passes_axe(
    admin_server: ServerProcess, new_page: NewPage, axe: Axe, width: int
) -> None:
    base = admin_server.base_url
    page = new_page(width, 844, bypass_csp=True)

    page.goto(base + "/admin/hours")
    expect(page.get_by_role("heading", name="Logg inn først")).to_be_visible()
    axe.check(page, "logged out")

    log_in_as_admin(page, admin_server)
    for path, heading in PAGES:
        page.goto(base + path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        axe.check(page, f"{path} as it loads")

    # A form with a mistake: the summary at the top and the message by the field.
    page.goto(base + "/admin/hours")
    page.get_by_label("Dato").first.fill("31.02.2030")
    page.get_by_role("button", name="Legg til stengt dag").click()
    expect(page.get_by_role("alert")).to_contain_text("Skriv datoen som dd.mm.åååå")
    axe.check(page, "/admin/hours with a mistake")

    page.goto(base + "/admin/profiles")
    kari = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Kari"))
    kari.get_by_text("Endre profilen til Kari").click()
    kari.get_by_label("Bilde", exact=True).set_input_files(
        {"name": "kari.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + bytes(40)}
    )
    kari.get_by_role("button", name="Lagre for Kari").click()
    expect(page.get_by_role("alert")).to_contain_text("Bildet må være JPEG, PNG eller WebP")
    axe.check(page, "/admin/profiles with a mistake")

    page.goto(base + "/admin/staff")
    page.get_by_label("E-post").fill("nina@example.org")
    page.get_by_role("button", name="Lag invitasjon").click()
    expect(page.get_by_label("Lenke til invitasjonen")).to_have_value(
        re.compile(r"/staff/invitation/\S+$")
    )
    axe.check(page, "/admin/staff with an invitation link")

    page.goto(base + "/admin/staff")
    page.get_by_role("link", name="Kari").click()
    expect(page.get_by_role("heading", name="Kari", level=1)).to_be_visible()
    axe.check(page, "one staff member")

    host = new_page(width, 844, bypass_csp=True)
    log_in(host, base, HOST_EMAIL, otp=admin_server.otp(HOST_EMAIL))
    host.goto(base + "/admin")
    expect(host.get_by_role("heading", name="Bare for administratorer")).to_be_visible()
    axe.check(host, "a host at /admin")
    axe.assert_none()


def next_wednesday(today: date) -> date:
    """A Wednesday (open 15-22 by default) two to eight days ahead: well inside the next four
    weeks in any timezone."""
    day = today + timedelta(days=2)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return day


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until ``target`` has focus; every stop on the way shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.outerHTML.slice(0, 80), s.outlineStyle]; }"
        )
        assert outline[1] != "none", f"no visible focus on {outline[0]}"
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_an_admin_adds_a_closed_day_with_the_keyboard_and_sees_it_in_the_preview(
    admin_server: ServerProcess, new_page: NewPage
) -> None:
    page = new_page(1280)
    log_in_as_admin(page, admin_server)
    page.goto(admin_server.base_url + "/admin/hours")
    day = next_wednesday(date.today())
    label = re.compile(rf"^Onsdag {day.day}\. \w+")
    preview = page.get_by_role("table", name=re.compile("^Åpningstider de neste"))
    expect(preview.get_by_role("row", name=label)).to_contain_text("15:00–22:00")

    # The skip link first, then on through the form, by Tab; the button by Space.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hopp til innholdet")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, page.locator("#closed-date"))
    page.keyboard.type(f"{day:%d.%m.%Y}")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Merknad (valgfri)").first).to_be_focused()
    page.keyboard.type("Planleggingsdag")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Legg til stengt dag")).to_be_focused()
    page.keyboard.press("Space")

    expect(page.get_by_role("status")).to_have_text("Den stengte dagen er lagt til.")
    row = preview.get_by_role("row", name=label)
    expect(row).to_contain_text("Stengt")
    expect(row).to_contain_text("Planleggingsdag")
    expect(row).not_to_contain_text("15:00")

    # And away again, by Enter on its own button.
    remove = page.get_by_role("button", name=re.compile(rf"^Fjern unntaket onsdag {day.day}\."))
    tab_to(page, remove)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Unntaket er fjernet.")
    expect(preview.get_by_role("row", name=label)).to_contain_text("15:00–22:00")
