"""The JSON API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lykt.actions.availability import hosts_available
from lykt.actions.conversations import (
    access_conversation_by_token,
    end_conversation,
    open_conversation,
)
from lykt.actions.help_lines import other_help
from lykt.actions.hours import opening_status
from lykt.actions.retention import HOLD_ROLES, list_holds, place_hold, release_hold
from lykt.errors import Closed, Invalid, LyktError, NotFound, RateLimited
from lykt.events import iso
from lykt.privacy.sources import SourceLimiter
from lykt.web.deps import CurrentStaff, ServicesDep
from lykt.web.schemas import NewConversation, NewHold, QuickExit
from lykt.web.sources import source_of
from lykt.web.strings import next_opening_text

router = APIRouter(prefix="/api")


@router.get("/status")
async def status(services: ServicesDep, lang: str | None = None) -> dict[str, object]:
    """Open now? With when it closes (open) or opens next (closed), ISO 8601 with offset.

    With ``?lang=``, also ``next_opening_text`` when closed: "We open again on Wednesday at
    3 PM." in that language (the visitor's page shows it after a 409 or at closing time).

    ``hosts_available``: someone is on shift, not on a break, with the console open (nothing
    more: no count), so the page can say honestly when nobody can answer."""
    current = await opening_status(services.ctx)
    body: dict[str, object] = dict(current.as_dict())
    if lang is not None and not current.open:
        language = services.renderer.languages.pick(lang)
        body["next_opening_text"] = next_opening_text(current, services.ctx.clock.now(), language)
    body["hosts_available"] = await hosts_available(services.ctx)
    return body


@router.get("/help-lines")
async def help_lines(services: ServicesDep, lang: str | None = None) -> list[dict[str, str]]:
    """Where else to get help (the helpline's list, or our defaults), in ``lang`` (anything
    we do not have: the default language). Public: no cookie."""
    return [line.as_dict() for line in await other_help(services.ctx, lang)]


@router.post("/conversations", status_code=201)
async def create_conversation(
    body: NewConversation, request: Request, services: ServicesDep
) -> JSONResponse:
    limited = rate_limited(services.limits.conversations, request)
    if limited is not None:
        return limited
    try:
        # The page's language (one we have; anything else is the default), for the host.
        lang = services.renderer.languages.pick(body.lang).code
        conversation, token = await open_conversation(services.ctx, body.age, body.about, lang)
    except Invalid as exc:
        return JSONResponse({"error": "invalid", "message": exc.message}, status_code=422)
    except Closed as exc:
        next_opening = exc.next_opening.isoformat() if exc.next_opening else None
        return JSONResponse({"error": "closed", "next_opening": next_opening}, status_code=409)
    return JSONResponse(
        {"conversation_id": conversation.id, "token": token},
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/conversations/quick-exit", status_code=204)
async def quick_exit(body: QuickExit, services: ServicesDep) -> Response:
    """The visitor pressed "Rask utgang": end the chat (sent as a beacon as the page goes).
    The same answer whatever the token, so it tells nobody what exists."""
    try:
        conversation = await access_conversation_by_token(services.ctx, body.token)
        await end_conversation(services.ctx, conversation.id, by="visitor", quick_exit=True)
    except NotFound:
        pass
    return Response(status_code=204)


@router.get("/holds")
async def holds(staff: CurrentStaff, services: ServicesDep) -> JSONResponse:
    if staff.role not in HOLD_ROLES:
        return JSONResponse({"error": "forbidden", "message": "supervisors only"}, 403)
    return JSONResponse(
        [
            {
                "conversation_id": h.conversation_id,
                "reason": h.reason,
                "placed_at": iso(h.placed_at),
                "expires_at": iso(h.expires_at),
            }
            for h in await list_holds(services.ctx)
        ]
    )


@router.post("/holds", status_code=201)
async def hold_conversation(
    body: NewHold, staff: CurrentStaff, services: ServicesDep
) -> JSONResponse:
    """A supervisor keeps a conversation past the retention period (duty to avert)."""
    try:
        hold = await place_hold(services.ctx, staff, body.conversation_id, body.reason)
    except LyktError as exc:
        return _error(exc)
    return JSONResponse(
        {"conversation_id": hold.conversation_id, "expires_at": iso(hold.expires_at)}, 201
    )


@router.delete("/holds/{conversation_id}", status_code=204)
async def release(conversation_id: str, staff: CurrentStaff, services: ServicesDep) -> Response:
    try:
        await release_hold(services.ctx, staff, conversation_id)
    except LyktError as exc:
        return _error(exc)
    return Response(status_code=204)


_STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "invalid": 422,
    "conflict": 409,
    "closed": 409,
    "rate_limited": 429,
}


def _error(exc: LyktError) -> JSONResponse:
    if isinstance(exc, RateLimited):
        return JSONResponse(
            {"error": exc.code, "message": exc.message, "retry_after": exc.retry_after},
            429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    return JSONResponse({"error": exc.code, "message": exc.message}, _STATUS.get(exc.code, 400))


def rate_limited(limiter: SourceLimiter, request: Request) -> JSONResponse | None:
    """429 with a clear message when this source (a keyed hash of its address) has done this
    too often; None when it may go on."""
    source = source_of(request.scope)
    if limiter.take(source):
        return None
    wait = limiter.retry_after_s(source)
    return JSONResponse(
        {
            "error": "rate_limited",
            "message": "too many at once; try again soon",
            "retry_after": wait,
        },
        status_code=429,
        headers={"Retry-After": str(wait)},
    )
