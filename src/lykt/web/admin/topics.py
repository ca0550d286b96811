"""/admin/topics: the wrap-up topics hosts tick after a conversation (``lykt topics``)."""

from __future__ import annotations

from fastapi import Request, Response

from lykt.actions.topics import MAX_TOPIC_CHARS, add_topic, list_topics, remove_topic
from lykt.errors import Conflict, Invalid, NotFound
from lykt.models import storable
from lykt.web.admin.common import Admin, actor, back, field, page, read_form, router
from lykt.web.deps import ServicesDep

PATH = "/admin/topics"
MESSAGES = {
    "added": "Temaet er lagt til nederst i lista.",
    "removed": "Temaet er fjernet. Det som alt er telt i statistikken, blir stående.",
    "gone": "Temaet var allerede fjernet.",
}


async def _page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        services,
        admin,
        "admin/topics.html",
        {
            "topics": await list_topics(services.ctx),
            "values": values or {},
            "max_topic": MAX_TOPIC_CHARS,
        },
        messages=MESSAGES,
        errors=errors,
    )


@router.get("/topics")
async def topics_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _page(request, services, admin)


@router.post("/topics")
async def add(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = {"topic-name": field(form, "topic-name")}
    name = values["topic-name"].strip()
    error = ""
    if not name or len(name) > MAX_TOPIC_CHARS or not storable(name):
        error = f"Skriv et tema på 1 til {MAX_TOPIC_CHARS} tegn."
    else:
        try:
            await add_topic(services.ctx, name, actor=actor(admin))
        except Conflict:
            error = f"Temaet «{name}» finnes allerede."
        except Invalid:
            error = f"Skriv et tema på 1 til {MAX_TOPIC_CHARS} tegn."
    if error:
        return await _page(request, services, admin, {"topic-name": error}, values)
    return back(PATH, "added")


@router.post("/topics/remove")
async def remove(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    try:
        await remove_topic(services.ctx, field(form, "name"), actor=actor(admin))
    except NotFound:
        return back(PATH, "gone")
    return back(PATH, "removed")
