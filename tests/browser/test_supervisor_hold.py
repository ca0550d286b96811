"""A supervisor keeps a conversation past the deletion time (duty to avert), from the console."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.people import log_in, start_chat
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

SUPERVISOR = "siri@example.org"


def test_a_supervisor_holds_and_releases_a_conversation_and_a_host_cannot(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    server.add_staff(SUPERVISOR, "Siri", "supervisor")
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url, SUPERVISOR)
    host.get_by_role("button", name="Ta neste").click()
    panel = host.get_by_role("tabpanel")
    conversation_id = panel.locator(".conv-id code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", conversation_id)

    panel.get_by_text("Avvergingsplikt: ta vare på samtalen").click()
    panel.get_by_label("Grunn").fill("Barnet forteller om vold; politiet er varslet.")
    panel.get_by_role("button", name="Ta vare på samtalen").click()
    expect(panel.get_by_role("status").filter(has_text="tatt vare på til")).to_be_visible()
    holds = server.cli("holds").stdout
    assert conversation_id in holds and "politiet er varslet" in holds

    panel.get_by_role("button", name="Opphev").click()
    expect(panel.get_by_role("status").filter(has_text="Opphevet")).to_be_visible()
    assert server.cli("holds").stdout.strip() == ""
    audit = server.cli("audit").stdout
    assert "hold.placed" in audit and "hold.released" in audit


def test_a_host_sees_the_conversation_id_but_no_hold(
    server: ServerProcess, visitor: Page, host: Page
) -> None:
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    host.get_by_role("button", name="Ta neste").click()
    panel = host.get_by_role("tabpanel")
    expect(panel.locator(".conv-id code")).to_have_text(re.compile(r"^[0-9a-f]{32}$"))
    expect(panel.get_by_text("Avvergingsplikt: ta vare på samtalen")).to_be_hidden()
