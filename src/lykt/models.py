"""The tables. Times are stored as naive UTC and handed out as aware UTC (``UTCDateTime``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database (the same on SQLite and PostgreSQL)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def storable(value: str) -> bool:
    """Whether every database Lykt runs on can hold ``value``: valid UTF-8 (no lone
    surrogates) and no U+0000, which PostgreSQL's text types refuse (SQLite would take it).
    A string that cannot be stored cannot match a stored row either."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Base(DeclarativeBase):
    pass


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))  # host | supervisor | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    max_chats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The "who answers" page: a host chooses to be shown, with a few lines and maybe a photo.
    show_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    bio: Mapped[str | None] = mapped_column(Text, nullable=True)
    # On shift: "available" takes new visitors (and counts for the estimate), "break" not.
    # Whether they are connected at all is in ``staff_presence``.
    availability: Mapped[str] = mapped_column(String(16), default="available")
    # When the last of their sockets went (or was last seen): the grace period counts from it.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The second factor (RFC 6238, base32). None: not enrolled (new, or reset by an admin):
    # the next login with the right password enrols. The last step used: a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StaffPresence(Base):
    """A staff member has at least one socket on ``node`` (a server process), refreshed at
    every heartbeat: rows of a process that died go stale and count for nothing."""

    __tablename__ = "staff_presence"

    node: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HostPhoto(Base):
    """A small photo for the public profile, apart from the staff row so lists never load it."""

    __tablename__ = "host_photos"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class OpeningRule(Base):
    """One line of the opening hours: a weekly slot (``weekday``), a closed day or an extra
    opening (``day``). Times are wall-clock ``HH:MM`` in the helpline's timezone; ``closes``
    ``00:00`` means midnight at the end of the day."""

    __tablename__ = "opening_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # weekly | closed | extra
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0 = Monday
    day: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    opens: Mapped[str | None] = mapped_column(String(5), nullable=True)
    closes: Mapped[str | None] = mapped_column(String(5), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class Setting(Base):
    """Operator choices kept in the database so every process sees the same (key, value)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    # SHA-256 of the cookie value: a copy of the database opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The absolute end (``staff_session_hours`` after login); the idle timeout counts from
    # ``last_seen_at``.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the member's list of sessions shows and ends it by (not the token, not its hash).
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    label: Mapped[str] = mapped_column(String(120), default="")  # "Firefox on Linux"


class StaffEnrolment(Base):
    """A login with the right password but no second factor yet: the secret to confirm with a
    code, for a few minutes. Only the token's hash is kept."""

    __tablename__ = "staff_enrolments"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffInvitation(Base):
    """An admin invites by email and role; the one-time link (its token's hash kept here)
    lets the invitee set a password and enrol the second factor within 72 hours."""

    __tablename__ = "staff_invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_status_created", "status", "created_at"),
        Index("ix_conversations_ended_at", "ended_at"),
        Index("ix_conversations_last_activity_at", "last_activity_at"),
        Index("ix_conversations_claimed_at", "claimed_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # SHA-256 of the visitor's token: the token itself lives only in the visitor's tab.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    about: Mapped[str] = mapped_column(String(8))  # self | friend
    lang: Mapped[str] = mapped_column(String(8), default="nb")  # the visitor page's language
    status: Mapped[str] = mapped_column(String(8))  # waiting | active | ended
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True, index=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Given back to the queue (transfer, or the host's connection lost): it goes in front.
    requeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Staff-only marks, deleted with the conversation.
    help_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duty_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(8))  # visitor | host
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An information card a host sent (JSON ``{slug, title, body}`` in the visitor's
    # language); null for every ordinary message. ``text`` holds the same as plain text.
    card: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)


class ConversationNote(Base):
    """An internal note: staff only, never sent to a visitor, deleted with the conversation."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConversationHelper(Base):
    """A supervisor who joined a conversation: they may write in it beside its host."""

    __tablename__ = "conversation_helpers"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CannedReply(Base):
    """Prepared words: shared (``owner_id`` None) or one host's own."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(80))
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WrapupTopic(Base):
    """A topic a host can tick at wrap-up; counted per week, never per conversation."""

    __tablename__ = "wrapup_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(Integer)


class InfoCard(Base):
    """Information for a visitor's age: a short text in a small safe Markdown subset
    (``actions.cards``), one per slug and language, shown to the ages ``age_min`` to
    ``age_max``."""

    __tablename__ = "info_cards"
    __table_args__ = (UniqueConstraint("slug", "lang", name="uq_info_cards_slug_lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class LegalHold(Base):
    """A supervisor keeps one conversation past the retention period because the duty to
    avert applies. Released by a supervisor, or ends by itself at ``expires_at``."""

    __tablename__ = "legal_holds"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    placed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what that the privacy promise depends on (holds, escrow exports). Never holds
    a visitor's words or address; ``subject`` is a conversation id or a case reference."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))  # "staff:<id>" or "operator"
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # The chain (``privacy.audit``): the row before's hash, and this row's.
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class StatsCounter(Base):
    """Aggregate counts by ISO week, one dimension at a time (never crossed), so nothing in
    them points back to a conversation."""

    __tablename__ = "stats_counters"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # e.g. 2026-W49
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class EscrowBase(DeclarativeBase):
    """The IP escrow's own metadata: on SQLite its own file (``escrow.db``), on PostgreSQL its
    own table; no staff-facing code reads it (an import-linter contract)."""


class EscrowRecord(EscrowBase):
    __tablename__ = "escrow_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A plain id, no foreign key: the record may live in another database file.
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
