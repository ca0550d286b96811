"""Events, past tense, and their wire form: the one definition of what browsers receive.

Each event knows which audience sees it: the visitor of one conversation, the staff who follow
that conversation, or every staff console. ``None`` means "not for that audience".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

Frame = dict[str, Any]


def age_group(age: int | None) -> str:
    """The groups the statistics and the host's queue use."""
    if age is None:
        return "unknown"
    if age < 13:
        return "under13"
    if age <= 15:
        return "13-15"
    if age <= 18:
        return "16-18"
    if age <= 25:
        return "19-25"
    return "over25"


def ended_by(reason: str | None) -> str | None:
    """Who ended a conversation, from its end reason."""
    if reason is None:
        return None
    if reason in ("left_queue", "quick_exit"):
        return "visitor"
    return reason.removeprefix("ended_by_")


def iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts is not None else None


@dataclass(frozen=True, slots=True)
class MessagePosted:
    conversation_id: str
    seq: int
    sender: str  # visitor | host
    text: str
    client_id: str
    sent_at: datetime
    host_name: str | None = None
    # An information card a host sent: {slug, title, body} in the visitor's language.
    card: dict[str, str] | None = None

    def payload(self) -> Frame:
        frame: Frame = {
            "type": "message.posted",
            "seq": self.seq,
            "sender": self.sender,
            "text": self.text,
            "client_id": self.client_id,
            "sent_at": iso(self.sent_at),
        }
        if self.host_name is not None:
            frame["host_name"] = self.host_name
        if self.card is not None:
            frame["card"] = self.card
        return frame

    def visitor_frame(self) -> Frame | None:
        return self.payload()

    def staff_frame(self) -> Frame | None:
        return {**self.payload(), "conversation_id": self.conversation_id}


@dataclass(frozen=True, slots=True)
class ConversationClaimed:
    conversation_id: str
    host_id: int
    host_name: str
    age: int | None
    about: str
    created_at: datetime
    lang: str = "nb"
    number: int | None = None  # "Samtale 3": its place among the day's conversations

    def visitor_frame(self) -> Frame | None:
        return {"type": "host.joined", "host_name": self.host_name}

    def staff_frame(self) -> Frame | None:
        return claimed_frame(self)


def claimed_frame(
    event: ConversationClaimed | ConversationTransferred,
) -> Frame:
    """``conversation.claimed`` for the sockets of the host who now holds the chat."""
    assert event.host_id is not None and event.host_name is not None
    return {
        "type": "conversation.claimed",
        "conversation_id": event.conversation_id,
        "host_id": event.host_id,
        "host_name": event.host_name,
        "age": event.age,
        "age_group": age_group(event.age),
        "about": event.about,
        "lang": event.lang,
        "number": event.number,
        "created_at": iso(event.created_at),
    }


@dataclass(frozen=True, slots=True)
class ConversationTransferred:
    """The chat changed hands: to another host or supervisor (``host_id``), or back to the
    front of the queue (``host_id`` None: given back, or the host's connection was lost past
    the grace period). The one who had it (``from_id``) no longer follows it."""

    conversation_id: str
    from_id: int | None
    host_id: int | None
    host_name: str | None
    age: int | None
    about: str
    created_at: datetime
    lang: str = "nb"
    number: int | None = None

    def visitor_frame(self) -> Frame | None:
        if self.host_id is None:
            return {"type": "host.left"}
        return {"type": "host.joined", "host_name": self.host_name, "change": "took_over"}

    def staff_frame(self) -> Frame | None:
        return {
            "type": "conversation.transferred",
            "conversation_id": self.conversation_id,
            "to_staff_id": self.host_id,
            "to_name": self.host_name,
        }


@dataclass(frozen=True, slots=True)
class SupervisorJoined:
    """A supervisor writes beside the host from now on."""

    conversation_id: str
    staff_id: int
    name: str

    def visitor_frame(self) -> Frame | None:
        return {"type": "host.joined", "host_name": self.name, "change": "joined"}

    def staff_frame(self) -> Frame | None:
        return {
            "type": "conversation.joined",
            "conversation_id": self.conversation_id,
            "staff_id": self.staff_id,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class SupervisorLeft:
    """A supervisor who joined stops writing in the chat (the host is told; the visitor not:
    the host goes on)."""

    conversation_id: str
    staff_id: int
    name: str

    def visitor_frame(self) -> Frame | None:
        return None

    def staff_frame(self) -> Frame | None:
        return {
            "type": "conversation.left",
            "conversation_id": self.conversation_id,
            "staff_id": self.staff_id,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class NoteAdded:
    """An internal note: to the staff who follow the chat, never to the visitor."""

    conversation_id: str
    note_id: int
    author_name: str
    text: str
    at: datetime

    def visitor_frame(self) -> Frame | None:
        return None

    def staff_frame(self) -> Frame | None:
        return {
            "type": "note.added",
            "conversation_id": self.conversation_id,
            "note": note_frame(self.note_id, self.author_name, self.text, self.at),
        }


def note_frame(note_id: int, author_name: str, text: str, at: datetime) -> Frame:
    return {"id": note_id, "author_name": author_name, "text": text, "at": iso(at)}


@dataclass(frozen=True, slots=True)
class ConversationWrappedUp:
    """The host has done the wrap-up: their tabs fold the chat away."""

    conversation_id: str
    host_id: int
    flagged: bool

    def staff_frame(self) -> Frame:
        return {"type": "conversation.wrapped_up", "conversation_id": self.conversation_id}


@dataclass(frozen=True, slots=True)
class SupervisorAlert:
    """For every supervisor and admin online: a host asks for help (``help.requested``) or
    marks a possible duty-to-avert case (``duty.flagged``)."""

    kind: str  # help.requested | duty.flagged
    conversation_id: str
    host_id: int
    host_name: str
    at: datetime

    def staff_frame(self) -> Frame:
        return {
            "type": self.kind,
            "conversation_id": self.conversation_id,
            "host_id": self.host_id,
            "host_name": self.host_name,
            "at": iso(self.at),
        }


@dataclass(frozen=True, slots=True)
class AvailabilityChanged:
    """A staff member went on a break or came back: their own tabs follow."""

    staff_id: int
    status: str  # available | break

    def staff_frame(self) -> Frame:
        return {"type": "staff.availability", "status": self.status}


@dataclass(frozen=True, slots=True)
class SessionsEnded:
    """Sessions of a staff member ended (logout, ended from their list, a new password, an
    admin's doing, a deactivated account): their sockets close at once on every process.
    ``every``: all of that member's sockets; else those of the sessions in ``token_hashes``."""

    staff_id: int
    token_hashes: tuple[str, ...] = ()
    every: bool = False


@dataclass(frozen=True, slots=True)
class StaffChanged:
    """A doorbell: who is on shift (or how busy) changed; every node reads it again."""


@dataclass(frozen=True, slots=True)
class ConversationEnded:
    conversation_id: str
    by: str  # visitor | host | system
    reason: str
    ended_at: datetime
    # Set when the chat closed while the visitor waited: when they can come back.
    next_opening: datetime | None = None

    def visitor_frame(self) -> Frame | None:
        frame: Frame = {"type": "conversation.ended", "by": self.by, "reason": self.reason}
        if self.next_opening is not None:
            frame["next_opening"] = self.next_opening.isoformat()
        return frame

    def staff_frame(self) -> Frame | None:
        return {
            "type": "conversation.ended",
            "conversation_id": self.conversation_id,
            "by": self.by,
            "reason": self.reason,
            "ended_at": iso(self.ended_at),
        }


@dataclass(frozen=True, slots=True)
class TypingChanged:
    """Ephemeral: never stored."""

    conversation_id: str
    sender: str  # visitor | host
    typing: bool

    def visitor_frame(self) -> Frame | None:
        if self.sender == "visitor":
            return None  # the visitor's own typing is not echoed back
        return {"type": "typing", "sender": self.sender, "typing": self.typing}

    def staff_frame(self) -> Frame | None:
        if self.sender == "host":
            return None
        return {
            "type": "typing",
            "conversation_id": self.conversation_id,
            "sender": self.sender,
            "typing": self.typing,
        }


@dataclass(frozen=True, slots=True)
class VisitorPresenceChanged:
    """Ephemeral: the visitor's tab connected or dropped (they may come back)."""

    conversation_id: str
    online: bool

    def visitor_frame(self) -> Frame | None:
        return None

    def staff_frame(self) -> Frame | None:
        return {
            "type": "visitor.presence",
            "conversation_id": self.conversation_id,
            "online": self.online,
        }


@dataclass(frozen=True, slots=True)
class QueueChanged:
    """A doorbell: the queue changed; every node recomputes positions from the database."""


@dataclass(frozen=True, slots=True)
class ConversationDeleted:
    """The purge deleted a conversation: any socket still open on it is closed."""

    conversation_id: str


@dataclass(frozen=True, slots=True)
class ClosingSoon:
    """The chat closes soon: every host console shows it. ``closes_at`` is in the helpline's
    timezone, so its ISO form carries the local offset."""

    closes_at: datetime

    def staff_frame(self) -> Frame:
        return {"type": "hours.closing_soon", "closes_at": self.closes_at.isoformat()}


Event = (
    MessagePosted
    | ConversationClaimed
    | ConversationTransferred
    | SupervisorJoined
    | SupervisorLeft
    | NoteAdded
    | ConversationWrappedUp
    | SupervisorAlert
    | AvailabilityChanged
    | SessionsEnded
    | StaffChanged
    | ConversationEnded
    | TypingChanged
    | VisitorPresenceChanged
    | QueueChanged
    | ClosingSoon
    | ConversationDeleted
)
