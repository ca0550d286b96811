"""Every visitor page, in every state the chat can be in, passes axe-core's WCAG 2.1 A and AA
rules (the ones a machine can check: contrast, names and labels, roles, language, …).

The pages and languages come from site.py (VISITOR_PAGES, CHAT_LANGUAGES): extend them there.
axe-core is pinned in tests/browser/package-lock.json and installed by ``python3 dev.py test``
(npm ci); without it these tests are skipped, or fail when LYKT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import AXE_JS, HOST_NAME, NewPage, missing
from tests.browser.people import (
    claim_the_visitor,
    host_box,
    host_log,
    log_in,
    send,
    start_chat,
    texts,
    visitor_box,
    visitor_log,
)
from tests.browser.site import CHAT_LANGUAGES, VISITOR_PAGES, Language, VisitorPage
from tests.serverproc import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REFUSED = "Denne meldingen sier tjenesten nei til."

#: Violations found and not fixed yet, each excused only on the elements its selector matches
#: (rule id, CSS selector, why). Keep this short, and delete an entry once its fix lands.
KNOWN_VIOLATIONS: list[tuple[str, str, str]] = []

# What axe found, cut down to what a person fixing it needs; known ones left out.
_RUN_AXE = """
async ([tags, known]) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    elementRef: true,
  });
  const excused = (id, el) => known.some(([rule, sel]) => rule === id && el && el.matches(sel));
  return result.violations
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes
        .filter((n) => !excused(v.id, n.element))
        .map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
    }))
    .filter((v) => v.nodes.length > 0);
}
"""


@pytest.fixture(scope="module")
def axe_js() -> str:
    if not AXE_JS.exists():
        missing(
            f"axe-core is not installed at {AXE_JS}: run `python3 dev.py test` with npm on the "
            "PATH (or `npm ci` in tests/browser)"
        )
    return str(AXE_JS)


@pytest.fixture
def axe_page(new_page: NewPage, axe_js: str) -> Page:
    """A visitor's page (phone-sized) that axe can be injected into. ``add_script_tag`` puts
    axe in as an inline script, which our pages' CSP (``script-src 'self'``) rightly blocks:
    this context alone bypasses the CSP. Never do that in a test of the page's own scripts."""
    return new_page(360, bypass_csp=True)


class Axe:
    """Runs axe on a page in one state after another, and collects what it finds."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Page, state: str) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(path=self.script)  # again after every page load
        known = [[rule, selector] for rule, selector, _ in KNOWN_VIOLATIONS]
        violations = page.evaluate(_RUN_AXE, [WCAG_TAGS, known])
        if violations:
            self.found[state] = violations

    def report(self) -> str:
        lines = []
        for state, violations in self.found.items():
            lines.append(f"{state}:")
            for v in violations:
                lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
                for node in v["nodes"]:
                    lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html']}")
                    summary = (node["summary"] or "").replace("\n", "\n      ")
                    lines.append(f"      {summary}")
        return "\n".join(lines)

    def assert_none(self) -> None:
        assert not self.found, "axe found WCAG 2.1 A/AA violations\n" + self.report()


@pytest.fixture
def axe(axe_js: str) -> Axe:
    return Axe(axe_js)


# -- every page as it loads ------------------------------------------------------------------
@pytest.mark.parametrize("visitor_page", VISITOR_PAGES, ids=str)
def test_every_visitor_page_as_it_loads(
    server: ServerProcess, axe_page: Page, axe: Axe, visitor_page: VisitorPage
) -> None:
    axe_page.goto(server.base_url + visitor_page.path)
    expect(axe_page.locator("html")).to_have_attribute("lang", visitor_page.lang)
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    if visitor_page.chat:
        expect(axe_page.get_by_role("button", name=visitor_page.chat.start)).to_be_visible()
    axe.check(axe_page, f"{visitor_page.path} as it loads")
    axe.assert_none()


# -- the chat, state by state ------------------------------------------------------------------
def refuse_one_message(page_side: WebSocketRoute) -> None:
    """Between the visitor's page and the server: the message whose text is REFUSED gets the
    error frame the server sends when it will not store a message; all else passes through."""
    server_side = page_side.connect_to_server()

    def to_server(message: str | bytes) -> None:
        frame = json.loads(message)
        if frame.get("type") == "message.send" and frame.get("text") == REFUSED:
            page_side.send(
                json.dumps(
                    {
                        "type": "error",
                        "code": "invalid",
                        "message": "the message was refused",
                        "client_id": frame["client_id"],
                    }
                )
            )
            return
        server_side.send(message)

    page_side.on_message(to_server)
    server_side.on_message(page_side.send)


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_the_chat_in_every_state(
    server: ServerProcess, axe_page: Page, host: Page, axe: Axe, lang: Language
) -> None:
    words, visitor = lang.words, axe_page
    visitor.route_web_socket(re.compile(r"/ws/visitor$"), refuse_one_message)

    visitor.goto(server.base_url + lang.chat_path)
    expect(visitor.get_by_role("button", name=words.start)).to_be_visible()
    axe.check(visitor, "start page, open")

    visitor.get_by_role("button", name=words.start).click()
    expect(visitor.get_by_role("heading", name=words.prechat_heading)).to_be_visible()
    axe.check(visitor, "pre-chat form")

    # Going on without answering: the form says what is missing.
    visitor.get_by_role("button", name=words.go_on).click()
    expect(visitor.get_by_role("alert")).to_have_text(re.compile(r"\w"))
    axe.check(visitor, "pre-chat form with an error")

    visitor.get_by_label(words.age, exact=True).fill("12")
    visitor.get_by_label(words.about_self, exact=True).check()
    visitor.get_by_role("button", name=words.go_on).click()
    expect(visitor.get_by_role("heading", name=words.queue_heading)).to_be_visible()
    expect(visitor.get_by_text(words.first_in_queue)).to_be_visible()
    axe.check(visitor, "waiting in the queue")

    log_in(host, server.base_url)
    claim_the_visitor(host, visitor, words)
    send(visitor_box(visitor, words), visitor_log(visitor, words), "Hei, er det noen der?")
    send(host_box(host), host_log(host), "Hei! Jeg er her.")
    expect(texts(visitor_log(visitor, words))).to_have_text(
        ["Hei, er det noen der?", "Hei! Jeg er her."]
    )
    expect(visitor_log(visitor, words).locator("li.msg").last).to_contain_text(HOST_NAME)
    axe.check(visitor, "chatting with a host")

    # A message the service will not take: it is marked, and the page says so.
    visitor_box(visitor, words).fill(REFUSED)
    visitor_box(visitor, words).press("Enter")
    expect(visitor.get_by_role("alert")).to_have_text(re.compile(r"\w"))
    expect(visitor_log(visitor, words).locator("li.failed")).to_contain_text(REFUSED)
    axe.check(visitor, "a message that could not be sent")

    visitor.get_by_role("button", name=words.end_chat).click()
    expect(visitor.get_by_role("button", name=words.confirm_end)).to_be_visible()
    axe.check(visitor, "asked to confirm the end")

    visitor.get_by_role("button", name=words.confirm_end).click()
    expect(visitor.get_by_role("heading", name=words.ended_heading)).to_be_visible()
    expect(visitor.get_by_text(words.ended_by_visitor)).to_be_visible()
    axe.check(visitor, "ended")

    axe.assert_none()


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_the_start_page_when_closed(
    closed_server: ServerProcess, axe_page: Page, axe: Axe, lang: Language
) -> None:
    axe_page.goto(closed_server.base_url + lang.chat_path)
    expect(axe_page.get_by_text(lang.words.closed)).to_be_visible()
    # The extra opening three days ahead at 15:00, in the page's language.
    expect(axe_page.locator("#closed-next")).to_contain_text(re.compile(r"kl\. 15\b|\b3 PM\b"))
    expect(axe_page.get_by_role("button", name=lang.words.start)).to_be_hidden()
    axe.check(axe_page, "start page, closed")
    axe.assert_none()


@pytest.mark.parametrize("lang", CHAT_LANGUAGES, ids=str)
def test_a_conversation_that_is_gone(
    server: ServerProcess, axe_page: Page, axe: Axe, lang: Language
) -> None:
    axe_page.goto(server.base_url + lang.chat_path)
    axe_page.evaluate("sessionStorage.setItem('lykt.token', 'no-such-conversation')")
    axe_page.reload()
    expect(axe_page.get_by_role("heading", name=lang.words.gone_heading)).to_be_visible()
    expect(axe_page.get_by_role("button", name=lang.words.new_chat)).to_be_visible()
    axe.check(axe_page, "conversation gone")
    axe.assert_none()


def test_the_staff_console_login_and_a_chat(
    server: ServerProcess, new_page: NewPage, visitor: Page, axe: Axe
) -> None:
    """The hosts' workplace is held to the same standard (bokmål only for now)."""
    host = new_page(1280, bypass_csp=True)  # only so axe can be injected (see axe_page)
    host.goto(server.base_url + "/staff")
    expect(host.get_by_role("heading", name="Logg inn")).to_be_visible()
    axe.check(host, "staff: login")
    start_chat(visitor, server.base_url)
    log_in(host, server.base_url)
    claim_the_visitor(host, visitor)
    send(host_box(host), host_log(host), "Hei! Jeg er her.")
    axe.check(host, "staff: chatting")
    axe.assert_none()
