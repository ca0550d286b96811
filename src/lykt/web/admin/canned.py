"""/admin/canned: the shared canned replies every host can use (``lykt canned``)."""

from __future__ import annotations

from fastapi import Request, Response

from lykt.actions.canned import (
    LANGS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    add_canned,
    list_shared,
    remove_shared,
)
from lykt.errors import Invalid, NotFound
from lykt.models import storable
from lykt.web.admin.common import Admin, actor, back, field, page, read_form, router
from lykt.web.deps import ServicesDep

PATH = "/admin/canned"
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "Engelsk"}
MESSAGES = {
    "added": "Det ferdige svaret er lagt til.",
    "removed": "Det ferdige svaret er fjernet.",
    "gone": "Det ferdige svaret var allerede fjernet.",
}


def _languages() -> list[tuple[str, str]]:
    return sorted(
        ((code, LANGUAGE_NAMES.get(code, code)) for code in LANGS), key=lambda c: c[0] != "nb"
    )


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
        "admin/canned.html",
        {
            "replies": await list_shared(services.ctx),
            "languages": _languages(),
            "language_names": LANGUAGE_NAMES,
            "values": values or {"canned-lang": "nb"},
            "max_title": MAX_TITLE_CHARS,
            "max_text": MAX_TEXT_CHARS,
        },
        messages=MESSAGES,
        errors=errors,
    )


@router.get("/canned")
async def canned_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _page(request, services, admin)


@router.post("/canned")
async def add_reply(request: Request, services: ServicesDep, admin: Admin) -> Response:
    form = await read_form(request)
    values = {name: field(form, name) for name in ("canned-title", "canned-lang", "canned-text")}
    title, text = values["canned-title"].strip(), values["canned-text"].strip()
    errors: dict[str, str] = {}
    if not title or len(title) > MAX_TITLE_CHARS or not storable(title):
        errors["canned-title"] = f"Skriv en tittel på 1 til {MAX_TITLE_CHARS} tegn."
    if values["canned-lang"] not in LANGS:
        errors["canned-lang"] = "Velg et av språkene i lista."
    if not text or len(text) > MAX_TEXT_CHARS or not storable(text):
        errors["canned-text"] = f"Skriv en tekst på 1 til {MAX_TEXT_CHARS} tegn."
    if not errors:
        try:
            await add_canned(
                services.ctx, None, title, values["canned-lang"], text, actor=actor(admin)
            )
        except Invalid:
            errors["canned-text"] = "Svaret kunne ikke lagres slik. Sjekk tittel og tekst."
    if errors:
        return await _page(request, services, admin, errors, values)
    return back(PATH, "added")


@router.post("/canned/{reply_id}/remove")
async def remove_reply(
    reply_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    try:
        await remove_shared(services.ctx, reply_id, actor=actor(admin))
    except NotFound:
        return back(PATH, "gone")
    return back(PATH, "removed")
