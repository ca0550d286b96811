"""The words visitor.js and socket.js show, in the page's language.

They go into the page as a JSON data block (``<script type="application/json"
id="lykt-strings">``), which the browser never runs, so the CSP stays ``script-src 'self'``.
Placeholders in braces (``{name}``) are filled in by the script.
"""

from __future__ import annotations

from datetime import datetime, time

from lykt.i18n import Language
from lykt.schedule import Schedule, Status, describe_next_opening, describe_weekly, format_clock


def visitor_strings(language: Language) -> dict[str, str]:
    _ = language.gettext
    ngettext = language.ngettext
    return {
        "you": _("You"),
        "sending": _("Sending …"),
        "chars_left": _("{n} characters left"),
        "connecting": _("Connecting …"),
        "reconnecting": _("Connecting again …"),
        "age_error": _(
            "Write how old you are (a number from 5 to 99), or tick the box “I'd rather not say”."
        ),
        "about_error": _("Choose whether it is about you or a friend."),
        "start_failed": _("Something went wrong, so the chat did not start. Try again soon."),
        "closed_now": _("The chat has just closed."),
        "closed_for_today": _("The chat has closed for today."),
        "opens_again": _("We open again {when}."),
        "opens_unknown": _("We do not know yet when the chat opens again."),
        "chat_title": _("The chat"),
        "waiting_title": _("Waiting for your turn"),
        "starting": _("Starting …"),
        "offline": _("You are offline. We will try again when the internet is back."),
        "no_answer": _(
            "We get no answer from the chat. Your message will be sent when the connection is back."
        ),
        "nobody_now": _("No adult is online right now."),
        "help_title": _("Others who can help you"),
        "card_from": _("{name} sent you something to read:"),
        "in_queue": _("You are in the queue."),
        "answer_soon": _("We will answer you as soon as we can."),
        "queue_position": _("You are number {position} in the queue"),
        "minutes_one": ngettext("About {n} minute", "About {n} minutes", 1),
        "minutes_other": ngettext("About {n} minute", "About {n} minutes", 2),
        "thanks_waiting": _("We will answer you as soon as we can. Thank you for waiting!"),
        "an_adult": _("an adult"),
        "the_adult": _("The adult"),
        "talking_with": _("You are talking with {name}"),
        "host_joined": _("{name} is in the chat now."),
        "took_over": _("{name} is talking with you now. You do not need to write it all again."),
        "joined_too": _("{name} has joined the chat too, to help."),
        "host_left": _(
            "{name} lost the connection to the chat. It is not your fault. You are at the front "
            "of the queue again. The first adult who is free will answer you."
        ),
        "talked_with": _("You talked with {name}"),
        "not_sent_ended": _("Not sent: the conversation had ended."),
        "ended": _("The conversation has ended."),
        "left_queue": _("You left the queue."),
        "you_ended": _("You ended the conversation."),
        "host_ended": _("{name} ended the conversation."),
        "message_failed": _("This message could not be sent."),
        "send_failed": _("A message could not be sent. Try writing it again."),
        "too_long": _("The message is too long. You can split it into several messages."),
        "host_typing": _("{name} is typing …"),
        "confirm_leave": _("Do you want to leave the queue?"),
        "confirm_leave_yes": _("Yes, leave the queue"),
        "confirm_end": _("Do you want to end the conversation?"),
        "confirm_end_yes": _("Yes, end it"),
        "no_contact": _("We cannot reach the chat right now. Try again soon."),
    }


# --- Opening hours in sentences, for the pages and /api/status ---------------------------------


def hours_text(schedule: Schedule, language: Language) -> str:
    """The opening hours as one sentence."""
    _ = language.gettext
    if schedule.always_open:
        return _("The chat is open all day, every day.")
    weekly = describe_weekly(schedule.weekly, locale=language.code, gettext=_)
    if weekly is None:
        return _("The chat has no fixed opening hours right now.")
    return _("The chat is open {hours}.").format(hours=weekly)


def next_opening_text(status: Status, now: datetime, language: Language) -> str:
    """ "We open again on Wednesday at 3 PM." (or that we do not know yet)."""
    _ = language.gettext
    if status.next_opening is None:
        return _("We do not know yet when the chat opens again.")
    when = describe_next_opening(status.next_opening, now, locale=language.code, gettext=_)
    return _("We open again {when}.").format(when=when)


def open_until_text(status: Status, language: Language) -> str:
    _ = language.gettext
    if status.closes_at is None:
        return _("The chat is open now.")
    at = status.closes_at.time().replace(second=0, microsecond=0)
    until = _("midnight") if at == time(0) else format_clock(at, language.code, _)
    return _("The chat is open now, until {time}.").format(time=until)
