"""Ephemeral signals that are never stored: typing and the visitor's presence."""

from __future__ import annotations

from lykt.actions.context import Context
from lykt.events import TypingChanged, VisitorPresenceChanged


def set_typing(ctx: Context, conversation_id: str, sender: str, typing: bool) -> None:
    ctx.publish_ephemeral(TypingChanged(conversation_id, sender, typing))


def set_visitor_presence(ctx: Context, conversation_id: str, online: bool) -> None:
    ctx.publish_ephemeral(VisitorPresenceChanged(conversation_id, online))
