"""HTML pages. Every text a visitor reads is ours, in plain words, in their language.

Every number and fact on the pages (opening hours, when we open next, how long a
conversation is kept) comes from the running configuration, never from the text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from lykt.actions.hours import current_schedule, opening_status
from lykt.actions.profiles import shown_host_photo, shown_hosts
from lykt.actions.site import quick_exit_url
from lykt.errors import NotFound
from lykt.web.deps import ServicesDep
from lykt.web.strings import hours_text, next_opening_text, open_until_text

router = APIRouter()


async def site_values(services: ServicesDep) -> dict[str, str]:
    """What every visitor page shows from the admin's settings: the quick exit's address
    (the admin's choice, or ``LYKT_QUICK_EXIT_URL``)."""
    return {"quick_exit_url": await quick_exit_url(services.ctx, services.settings.quick_exit_url)}


SiteDep = Annotated[dict[str, str], Depends(site_values)]


def escrow_enabled(services: ServicesDep) -> bool:
    """Whether visitors' addresses are kept locked (an escrow key is configured): every page
    that speaks about addresses follows this, never a fixed text."""
    return services.ctx.escrow is not None and services.ctx.escrow.key is not None


async def help_lines_for(services: ServicesDep, lang: str) -> list[dict[str, str]]:
    """Other help (name, contact, href, hours) in the page's language, from the helpline's
    list (``lykt.actions.help_lines``); empty until that list exists."""
    try:
        from lykt.actions import help_lines
    except ImportError:
        return []
    other_help = getattr(help_lines, "other_help", None)
    if other_help is None:
        return []
    return [line.as_dict() for line in await other_help(services.ctx, lang)]


@router.get("/", response_class=HTMLResponse)
async def visitor_page(request: Request, services: ServicesDep, site: SiteDep) -> Response:
    language = services.renderer.language(request)
    status = await opening_status(services.ctx)
    schedule = await current_schedule(services.ctx)
    return services.renderer.render(
        request,
        "visitor.html",
        {
            "max_message_chars": services.settings.max_message_chars,
            "heartbeat_interval_s": services.settings.heartbeat_interval_s,
            "is_open": status.open,
            "open_text": open_until_text(status, language) if status.open else "",
            "next_opening_text": (
                "" if status.open else next_opening_text(status, services.ctx.clock.now(), language)
            ),
            "hours_text": hours_text(schedule, language),
            **site,
        },
        language=language,
    )


@router.get("/hvem-svarer", response_class=HTMLResponse)
async def who_answers_page(request: Request, services: ServicesDep, site: SiteDep) -> Response:
    hosts = await shown_hosts(services.ctx)
    return services.renderer.render(request, "who.html", {"hosts": hosts, **site})


@router.get("/personvern", response_class=HTMLResponse)
async def privacy_page(request: Request, services: ServicesDep, site: SiteDep) -> Response:
    return services.renderer.render(
        request,
        "privacy.html",
        {
            "retention_hours": services.ctx.rules.retention_hours,
            "max_hold_days": services.ctx.rules.max_hold_days,
            "escrow_enabled": escrow_enabled(services),
            **site,
        },
    )


@router.get("/avvergingsplikt", response_class=HTMLResponse)
async def duty_page(request: Request, services: ServicesDep, site: SiteDep) -> Response:
    language = services.renderer.language(request)
    return services.renderer.render(
        request,
        "duty.html",
        {
            "escrow_enabled": escrow_enabled(services),
            "help_lines": await help_lines_for(services, language.code),
            **site,
        },
        language=language,
    )


@router.get("/hosts/{staff_id}/photo")
async def host_photo(staff_id: int, services: ServicesDep) -> Response:
    """A shown host's photo; 404 for anyone not shown (or without a photo)."""
    try:
        content_type, data = await shown_host_photo(services.ctx, staff_id)
    except NotFound:
        return JSONResponse({"error": "not_found"}, status_code=404)
    return Response(data, media_type=content_type)


@router.get("/staff", response_class=HTMLResponse)
async def staff_page(request: Request, services: ServicesDep) -> Response:
    # The hosts' console stays in bokmål for now, whatever ?lang= says.
    return services.renderer.render(
        request,
        "staff.html",
        {
            "max_message_chars": services.settings.max_message_chars,
            "heartbeat_interval_s": services.settings.heartbeat_interval_s,
        },
        language=services.renderer.languages.get(services.renderer.languages.default),
    )
