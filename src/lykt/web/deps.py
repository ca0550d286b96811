"""Typed dependencies: what a route needs, named once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request

from lykt.actions.context import Context
from lykt.actions.sessions import staff_for_session
from lykt.models import Staff
from lykt.realtime import Hub
from lykt.settings import Settings
from lykt.web.render import Renderer
from lykt.web.sources import Limits

if TYPE_CHECKING:
    from lykt.web.ops import Metrics

STAFF_COOKIE = "lykt_staff"
# With secure cookies the name carries the __Host- prefix: the browser then accepts it only
# from HTTPS, for the whole site, never set by a sibling domain.
SECURE_STAFF_COOKIE = "__Host-lykt_staff"


@dataclass
class Services:
    settings: Settings
    ctx: Context
    hub: Hub
    renderer: Renderer
    limits: Limits
    metrics: Metrics

    @property
    def staff_cookie(self) -> str:
        return SECURE_STAFF_COOKIE if self.settings.secure_cookies else STAFF_COOKIE


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def session_token(request: Request, services: ServicesDep) -> str | None:
    return request.cookies.get(services.staff_cookie)


SessionToken = Annotated[str | None, Depends(session_token)]


async def current_staff(services: ServicesDep, token: SessionToken) -> Staff:
    """The member whose session the cookie carries; the request counts as their activity
    (the idle timeout starts again)."""
    staff = await staff_for_session(services.ctx, token, touch=True)
    if staff is None:
        raise HTTPException(status_code=401, detail="log in first")
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]
