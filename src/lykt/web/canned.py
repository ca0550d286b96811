"""Canned replies for the logged-in staff member: the shared ones and their own."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from lykt.actions.canned import Canned, add_canned, list_canned, remove_canned
from lykt.errors import LyktError
from lykt.web.deps import CurrentStaff, ServicesDep

router = APIRouter(prefix="/api")


class NewCannedReply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Generous bounds here; the action gives the exact rule and its message.
    title: StrictStr = Field(max_length=1000)
    lang: StrictStr = Field(max_length=16)
    text: StrictStr = Field(max_length=10_000)


def _wire(reply: Canned) -> dict[str, object]:
    return {
        "id": reply.id,
        "title": reply.title,
        "lang": reply.lang,
        "text": reply.text,
        "shared": reply.shared,
    }


@router.get("/canned-replies")
async def canned_replies(staff: CurrentStaff, services: ServicesDep) -> JSONResponse:
    """The shared replies first, then the staff member's own; each by title."""
    replies = await list_canned(services.ctx, staff)
    return JSONResponse([_wire(r) for r in replies], headers={"Cache-Control": "no-store"})


@router.post("/canned-replies", status_code=201)
async def add_canned_reply(
    body: NewCannedReply, staff: CurrentStaff, services: ServicesDep
) -> JSONResponse:
    """A personal reply; the shared ones are the operator's (``lykt canned add``)."""
    try:
        reply = await add_canned(services.ctx, staff, body.title, body.lang, body.text)
    except LyktError as exc:
        return _error(exc)
    return JSONResponse(_wire(reply), status_code=201)


@router.delete("/canned-replies/{reply_id}", status_code=204)
async def remove_canned_reply(
    reply_id: int, staff: CurrentStaff, services: ServicesDep
) -> Response:
    """Only one's own: a shared reply or a colleague's is a 404, as if it did not exist."""
    try:
        await remove_canned(services.ctx, reply_id, staff)
    except LyktError as exc:
        return _error(exc)
    return Response(status_code=204)


_STATUS = {"not_found": 404, "invalid": 422}


def _error(exc: LyktError) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, _STATUS.get(exc.code, 400))
