"""Typed dependencies: what a route needs, named once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request

from lykt.actions.context import Context
from lykt.actions.staff import staff_for_session
from lykt.models import Staff
from lykt.realtime import Hub
from lykt.settings import Settings
from lykt.web.render import Renderer
from lykt.web.sources import Limits

if TYPE_CHECKING:
    from lykt.web.ops import Metrics

STAFF_COOKIE = "lykt_staff"


@dataclass
class Services:
    settings: Settings
    ctx: Context
    hub: Hub
    renderer: Renderer
    limits: Limits
    metrics: Metrics


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_staff(request: Request, services: ServicesDep) -> Staff:
    staff = await staff_for_session(services.ctx, request.cookies.get(STAFF_COOKIE))
    if staff is None:
        raise HTTPException(status_code=401, detail="log in first")
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]
