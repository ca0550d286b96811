"""The demo door (only with ``LYKT_DEMO=true``, on loopback): log in as a demo host,
supervisor or admin without a password or code, to try the whole chat at once."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from lykt.actions.demo import DEMO_ACCOUNTS, demo_login
from lykt.errors import NotFound
from lykt.web.accounts import set_session_cookie
from lykt.web.deps import ServicesDep

router = APIRouter()


@router.get("/staff/demo", response_class=HTMLResponse)
async def demo_page(request: Request, services: ServicesDep) -> Response:
    return services.renderer.render(
        request,
        "demo.html",
        {"accounts": DEMO_ACCOUNTS},
        language=services.renderer.languages.get(services.renderer.languages.default),
    )


@router.post("/staff/demo/{role}")
async def demo_enter(role: str, services: ServicesDep) -> Response:
    try:
        _, token = await demo_login(services.ctx, role)
    except NotFound:
        return Response(status_code=404)
    response = RedirectResponse("/staff", status_code=303)
    set_session_cookie(response, services, token)
    return response
