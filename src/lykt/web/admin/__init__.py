"""The admin pages under /admin: server-rendered forms in bokmål, for staff with the role
``admin`` only, posting to the same actions the CLI calls. One router (``common.router``);
each page's routes live in the module named for its noun."""

from __future__ import annotations

from fastapi import Request, Response

from lykt.actions.hours import build_schedule, load_config
from lykt.actions.staff import list_staff
from lykt.web.admin import audit, canned, hours, profiles, site, staff, topics
from lykt.web.admin.common import Admin, page, router, when_text
from lykt.web.deps import ServicesDep

__all__ = ["audit", "canned", "hours", "profiles", "router", "site", "staff", "topics"]


@router.get("")
async def start_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    now = services.ctx.clock.now()
    schedule = build_schedule(await load_config(services.ctx), now)
    today = now.astimezone(schedule.tz).date()
    status = schedule.status_at(now)
    if status.open:
        hours_fact = "Åpent nå."
    elif status.next_opening:
        hours_fact = f"Stengt nå. Åpner {when_text(status.next_opening, today)}."
    else:
        hours_fact = "Stengt, uten åpning det neste året."
    members = await list_staff(services.ctx)
    active = sum(1 for member in members if member.active)
    facts = {"/admin/hours": hours_fact, "/admin/staff": f"{active} aktive ansatte."}
    return page(request, services, admin, "admin/index.html", {"facts": facts})
