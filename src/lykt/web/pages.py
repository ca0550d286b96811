"""HTML pages. Every text a visitor reads is ours, in plain words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lykt.web.deps import ServicesDep

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def visitor_page(request: Request, services: ServicesDep) -> HTMLResponse:
    return services.templates.TemplateResponse(
        request,
        "visitor.html",
        {
            "max_message_chars": services.settings.max_message_chars,
            "heartbeat_interval_s": services.settings.heartbeat_interval_s,
        },
    )


@router.get("/staff", response_class=HTMLResponse)
async def staff_page(request: Request, services: ServicesDep) -> HTMLResponse:
    return services.templates.TemplateResponse(
        request,
        "staff.html",
        {
            "max_message_chars": services.settings.max_message_chars,
            "heartbeat_interval_s": services.settings.heartbeat_interval_s,
        },
    )
