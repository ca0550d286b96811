"""A supervisor keeps a conversation past the deletion time (duty to avert), from the console.
Hosts never see a conversation's id; a supervisor gets a short reference and copies the whole
id for the operator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewPage
from tests.browser.people import log_in, start_chat
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

SUPERVISOR = "siri@example.org"
AN_ID = re.compile(r"\b[0-9a-f]{32}\b")


def test_a_supervisor_holds_and_releases_a_conversation_and_a_host_cannot(
    server: ServerProcess, visitor: Page, new_page: NewPage
) -> None:
    server.add_staff(SUPERVISOR, "Siri", "supervisor")
    start_chat(visitor, server.base_url)
    supervisor = new_page(1280, permissions=["clipboard-read", "clipboard-write"])
    log_in(supervisor, server.base_url, SUPERVISOR)
    supervisor.get_by_role("button", name="Ta neste").click()
    side = supervisor.get_by_role("complementary")

    # The reference is short on screen; the copy button gives the operator the whole id.
    side.get_by_role("button", name="Kopier referansen").click()
    expect(side.get_by_role("status").filter(has_text="Kopiert")).to_be_visible()
    conversation_id = supervisor.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"[0-9a-f]{32}", conversation_id)
    expect(side.locator("code")).to_have_text(conversation_id[:8])

    side.get_by_text("Avvergingsplikt: ta vare på samtalen").click()
    side.get_by_label("Grunn").fill("Barnet forteller om vold; politiet er varslet.")
    side.get_by_role("button", name="Ta vare på samtalen").click()
    expect(side.get_by_role("status").filter(has_text="tatt vare på til")).to_be_visible()
    holds = server.cli("holds").stdout
    assert conversation_id in holds and "politiet er varslet" in holds

    side.get_by_role("button", name="Opphev").click()
    expect(side.get_by_role("status").filter(has_text="Opphevet")).to_be_visible()
    assert server.cli("holds").stdout.strip() == ""
    audit = server.cli("audit").stdout
    assert "hold.placed" in audit and "hold.released" in audit


def test_a_host_sees_neither_the_conversation_id_nor_the_hold(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    host.get_by_role("button", name="Ta neste").click()
    side = host.get_by_role("complementary")
    expect(side.get_by_role("heading", name=re.compile(r"^Samtale \d+$"))).to_be_visible()
    expect(side.get_by_role("button", name="Kopier referansen")).to_be_hidden()
    expect(side.get_by_text("Avvergingsplikt: ta vare på samtalen")).to_be_hidden()
    assert not AN_ID.search(host.locator("body").inner_text())
