"""What the visitor's pages say about a shift: a supervisor may read along, and the words the
script shows when the person answering changes are in the page, in its language."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient


def text_of(html: str) -> str:
    """The page's words, without tags and with whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


STRINGS = re.compile(r'<script type="application/json" id="lykt-strings">(.*?)</script>', re.S)


def script_words(html: str) -> dict[str, str]:
    block = STRINGS.search(html)
    assert block, "no lykt-strings block"
    return json.loads(block.group(1))


def test_the_privacy_page_says_a_supervisor_may_read_along(client: TestClient) -> None:
    nb = text_of(client.get("/personvern").text)
    assert "Noen ganger leser en erfaren voksen som leder vakta, med i en samtale." in nb
    assert "Det er for å hjelpe den som svarer deg." in nb
    assert "Den som leder vakta, har også taushetsplikt." in nb

    en = text_of(client.get("/personvern?lang=en").text)
    assert "an experienced adult who leads the shift reads along in a conversation." in en
    assert "That is to help the person who answers you." in en
    assert "The person who leads the shift has a duty of confidentiality too." in en


def test_the_chat_page_carries_the_words_for_a_change_of_host(client: TestClient) -> None:
    nb = script_words(client.get("/").text)
    assert nb["took_over"] == (
        "Nå er det {name} som svarer deg. Du trenger ikke å skrive alt på nytt."
    )
    assert nb["joined_too"] == "{name} er også med i samtalen nå, for å hjelpe til."
    assert nb["host_left"].startswith("{name} mistet kontakten med chatten.")
    assert "Det er ikke din feil." in nb["host_left"]

    en = script_words(client.get("/?lang=en").text)
    assert en["took_over"].startswith("{name} is talking with you now.")
    assert en["joined_too"] == "{name} has joined the chat too, to help."
    assert en["host_left"].startswith("{name} lost the connection to the chat.")
