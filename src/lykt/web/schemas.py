"""Request bodies and client frames, checked strictly: a wrong type is an error, not a guess."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NewConversation(_Strict):
    age: StrictInt | None = None
    about: Literal["self", "friend"]


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


StaffFrame = Annotated[
    Claim | StaffMessageSend | StaffTyping | StaffEnd | Sync | Pong, Field(discriminator="type")
]
staff_frames: TypeAdapter[StaffFrame] = TypeAdapter(StaffFrame)
