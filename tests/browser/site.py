"""The visitor's pages and languages the browser tests walk through: extend the lists here and
every accessibility, keyboard and page-weight test picks the new entries up.

* ``VISITOR_PAGES``: every public page a visitor can open, in every language. The
  accessibility test checks each as it loads; the page-weight test loads each on its own.
* ``CHAT_LANGUAGES``: the languages the chat itself is driven in (start, pre-chat form,
  queue, chat, ended, gone, closed). Each needs the words a visitor sees on the controls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """What a visitor reads on the chat's controls, in one language (accessible names)."""

    start: str  # the start page's button
    prechat_heading: str
    age: str  # the age field's label
    about_self: str  # the "it is about me" radio button
    go_on: str  # submits the pre-chat form
    queue_heading: str
    first_in_queue: str  # the queue position when nobody is ahead
    talking_with: str  # heading once a host has joined; {name} is the host's name
    transcript: str  # the message log's name
    message_box: str  # the composer's label
    end_chat: str  # the button that asks to end the chat
    confirm_end: str  # the button that confirms it
    ended_heading: str
    ended_by_visitor: str
    gone_heading: str
    closed: str  # the start page's notice when the chat is closed
    new_chat: str


NB = Words(
    start="Start chatten",
    prechat_heading="Før vi begynner",
    age="Alder",
    about_self="Meg selv",
    go_on="Gå videre",
    queue_heading="Du venter på tur",
    first_in_queue="Du er nummer 1 i køen",
    talking_with="Du snakker med {name}",
    transcript="Meldinger i samtalen",
    message_box="Skriv en melding",
    end_chat="Avslutt samtalen",
    confirm_end="Ja, avslutt",
    ended_heading="Samtalen er avsluttet",
    ended_by_visitor="Du avsluttet samtalen.",
    gone_heading="Samtalen finnes ikke lenger",
    closed="Chatten er stengt akkurat nå.",
    new_chat="Start en ny chat",
)


EN = Words(
    start="Start the chat",
    prechat_heading="Before we start",
    age="Age",
    about_self="Me",
    go_on="Continue",
    queue_heading="Waiting for your turn",
    first_in_queue="You are number 1 in the queue",
    talking_with="You are talking with {name}",
    transcript="Messages in the conversation",
    message_box="Write a message",
    end_chat="End the conversation",
    confirm_end="Yes, end it",
    ended_heading="The conversation has ended",
    ended_by_visitor="You ended the conversation.",
    gone_heading="The conversation is no longer there",
    closed="The chat is closed right now.",
    new_chat="Start a new chat",
)


@dataclass(frozen=True)
class Language:
    code: str  # as in <html lang>
    query: str  # what selects it in a page's address ("" for the default)
    words: Words

    @property
    def chat_path(self) -> str:
        """Where the chat starts in this language."""
        return "/" + self.query

    def __str__(self) -> str:
        return self.code


#: Languages the whole chat is driven in (a new catalog needs its ``Words`` here).
CHAT_LANGUAGES: list[Language] = [
    Language("nb", "", NB),
    Language("en", "?lang=en", EN),
]


@dataclass(frozen=True)
class VisitorPage:
    """One public page as a visitor opens it."""

    path: str  # with the query that picks the language, e.g. "/personvern?lang=en"
    lang: str  # the <html lang> it must declare
    chat: Words | None = None  # on pages where the chat starts: the words on its controls

    def __str__(self) -> str:
        return self.path


#: Every public page, in every language.
VISITOR_PAGES: list[VisitorPage] = [
    VisitorPage("/", "nb", chat=NB),
    VisitorPage("/hvem-svarer", "nb"),
    VisitorPage("/personvern", "nb"),
    VisitorPage("/avvergingsplikt", "nb"),
    VisitorPage("/?lang=en", "en", chat=EN),
    VisitorPage("/hvem-svarer?lang=en", "en"),
    VisitorPage("/personvern?lang=en", "en"),
    VisitorPage("/avvergingsplikt?lang=en", "en"),
]
