"""/admin/site: where "Rask utgang" (the quick exit) takes a visitor."""

from __future__ import annotations

from fastapi import Request, Response

from lykt.actions.site import MAX_URL_CHARS, chosen_quick_exit_url, set_quick_exit_url
from lykt.errors import Invalid
from lykt.web.admin.common import Admin, actor, back, field, page, read_form, router
from lykt.web.deps import ServicesDep

PATH = "/admin/site"
MESSAGES = {
    "saved": "Rask utgang sender nå besøkende til det nye nettstedet.",
    "default": "Rask utgang bruker nå standardnettstedet.",
}


async def _page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    chosen = await chosen_quick_exit_url(services.ctx)
    default = services.settings.quick_exit_url
    return page(
        request,
        services,
        admin,
        "admin/site.html",
        {
            "chosen": chosen,
            "default": default,
            "current": chosen or default,
            "values": values or {"quick-exit-url": chosen or default},
            "max_url": MAX_URL_CHARS,
        },
        messages=MESSAGES,
        errors=errors,
    )


@router.get("/site")
async def site_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _page(request, services, admin)


@router.post("/site")
async def set_site(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    if field(form, "use-default"):
        await set_quick_exit_url(services.ctx, None, actor=actor(admin))
        return back(PATH, "default")
    values = {"quick-exit-url": field(form, "quick-exit-url")}
    try:
        await set_quick_exit_url(services.ctx, values["quick-exit-url"], actor=actor(admin))
    except Invalid:
        errors = {
            "quick-exit-url": "Skriv en hel adresse som begynner med https://, "
            "for eksempel https://www.yr.no/."
        }
        return await _page(request, services, admin, errors, values)
    return back(PATH, "saved")
