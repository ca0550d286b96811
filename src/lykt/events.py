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

    def visitor_frame(self) -> Frame | None:
        return {"type": "host.joined", "host_name": self.host_name}

    def staff_frame(self) -> Frame | None:
        return {
            "type": "conversation.claimed",
            "conversation_id": self.conversation_id,
            "host_id": self.host_id,
            "host_name": self.host_name,
            "age": self.age,
            "age_group": age_group(self.age),
            "about": self.about,
            "created_at": iso(self.created_at),
        }


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
    | ConversationEnded
    | TypingChanged
    | VisitorPresenceChanged
    | QueueChanged
    | ClosingSoon
    | ConversationDeleted
)
