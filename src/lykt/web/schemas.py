"""Request bodies and client frames, checked strictly: a wrong type is an error, not a guess."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NewConversation(_Strict):
    age: StrictInt | None = None
    about: Literal["self", "friend"]
    lang: StrictStr | None = Field(default=None, max_length=8)


class QuickExit(_Strict):
    token: StrictStr = Field(max_length=200)


class NewHold(_Strict):
    conversation_id: StrictStr = Field(max_length=64)
    reason: StrictStr = Field(max_length=1000)


class Login(_Strict):
    email: StrictStr = Field(max_length=320)
    password: StrictStr = Field(max_length=1024)


# -- visitor frames ------------------------------------------------------------------------
class Hello(_Strict):
    type: Literal["hello"]
    token: StrictStr = Field(max_length=200)
    last_seq: StrictInt = Field(default=0, ge=0)


class VisitorMessageSend(_Strict):
    type: Literal["message.send"]
    client_id: StrictStr
    text: StrictStr


class VisitorTyping(_Strict):
    type: Literal["typing"]
    typing: StrictBool = True


class VisitorEnd(_Strict):
    type: Literal["conversation.end"]


class Pong(_Strict):
    type: Literal["pong"]


VisitorFrame = Annotated[
    VisitorMessageSend | VisitorTyping | VisitorEnd | Pong, Field(discriminator="type")
]
visitor_frames: TypeAdapter[VisitorFrame] = TypeAdapter(VisitorFrame)


# -- staff frames --------------------------------------------------------------------------
class Claim(_Strict):
    type: Literal["conversation.claim"]
    conversation_id: StrictStr | None = None


class StaffMessageSend(_Strict):
    type: Literal["message.send"]
    conversation_id: StrictStr
    client_id: StrictStr
    text: StrictStr


class StaffTyping(_Strict):
    type: Literal["typing"]
    conversation_id: StrictStr
    typing: StrictBool = True


class StaffEnd(_Strict):
    type: Literal["conversation.end"]
    conversation_id: StrictStr


class Sync(_Strict):
    type: Literal["conversation.sync"]
    conversation_id: StrictStr
    last_seq: StrictInt = Field(default=0, ge=0)


class Availability(_Strict):
    type: Literal["staff.availability"]
    status: Literal["available", "break"]


class Transfer(_Strict):
    type: Literal["conversation.transfer"]
    conversation_id: StrictStr
    to_staff_id: StrictInt | None
    note: StrictStr = Field(default="", max_length=2000)


class NoteAdd(_Strict):
    type: Literal["note.add"]
    conversation_id: StrictStr
    text: StrictStr = Field(max_length=2000)


class Wrapup(_Strict):
    type: Literal["conversation.wrapup"]
    conversation_id: StrictStr
    topics: list[Annotated[StrictStr, Field(max_length=60)]] = Field(
        default_factory=list, max_length=20
    )
    flag: StrictBool = False


class HelpRequest(_Strict):
    type: Literal["help.request"]
    conversation_id: StrictStr


class DutyFlag(_Strict):
    type: Literal["duty.flag"]
    conversation_id: StrictStr


class CardSend(_Strict):
    type: Literal["card.send"]
    conversation_id: StrictStr
    client_id: StrictStr
    slug: StrictStr = Field(max_length=60)


class Leave(_Strict):
    type: Literal["supervisor.leave"]
    conversation_id: StrictStr


class Watch(_Strict):
    type: Literal["supervisor.watch"]
    conversation_id: StrictStr


class Unwatch(_Strict):
    type: Literal["supervisor.unwatch"]
    conversation_id: StrictStr


class Join(_Strict):
    type: Literal["supervisor.join"]
    conversation_id: StrictStr


class Takeover(_Strict):
    type: Literal["supervisor.takeover"]
    conversation_id: StrictStr


StaffFrame = Annotated[
    Claim
    | StaffMessageSend
    | StaffTyping
    | StaffEnd
    | Sync
    | Pong
    | Availability
    | Transfer
    | NoteAdd
    | Wrapup
    | HelpRequest
    | DutyFlag
    | Watch
    | Unwatch
    | Join
    | Leave
    | Takeover
    | CardSend,
    Field(discriminator="type"),
]
staff_frames: TypeAdapter[StaffFrame] = TypeAdapter(StaffFrame)
