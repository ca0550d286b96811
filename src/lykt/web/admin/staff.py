"""/admin/staff: the staff list, invitations, and one member's account: role, their own
maximum of chats at once, deactivating, resetting the second factor, ending every session.
The account actions (``actions/staff.py``) audit every change themselves."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import Request, Response

from lykt.actions.hours import load_config
from lykt.actions.staff import (
    INVITATION_HOURS,
    MAX_CHATS_LIMIT,
    ROLES,
    deactivate_staff,
    end_all_sessions,
    invite_staff,
    list_staff,
    pending_invitations,
    reactivate_staff,
    reset_second_factor,
    set_max_chats_by_id,
    set_role,
)
from lykt.errors import Conflict, Invalid, NotFound
from lykt.models import Staff
from lykt.web.admin.common import (
    ROLE_NAMES,
    Admin,
    back,
    field,
    page,
    read_form,
    router,
    when_text,
    whole_number,
)
from lykt.web.deps import ServicesDep

PATH = "/admin/staff"
INVITATION_PATH = "/staff/invitation/"
LIST_MESSAGES = {"gone": "Fant ikke den ansatte."}
MEMBER_MESSAGES = {
    "role": "Rollen er endret. Den ansatte må logge inn på nytt.",
    "max": "Maks antall samtaler samtidig er lagret.",
    "deactivated": "Kontoen er stengt. Den ansatte er logget ut overalt og kan ikke logge inn.",
    "reactivated": "Kontoen er åpnet igjen.",
    "second-factor": "Totrinnskoden er nullstilt. Den ansatte setter opp en ny ved neste "
    "innlogging, og er logget ut overalt.",
    "sessions": "Den ansatte er logget ut overalt.",
}


def _roles() -> list[tuple[str, str]]:
    return [(role, ROLE_NAMES.get(role, role).capitalize()) for role in ROLES]


async def _list_page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    invitation_link: str = "",
    invited: str = "",
) -> Response:
    members = sorted(
        await list_staff(services.ctx), key=lambda m: (not m.active, m.display_name.casefold())
    )
    now = services.ctx.clock.now()
    tz = ZoneInfo((await load_config(services.ctx)).timezone)
    today = now.astimezone(tz).date()
    invitations = [
        {
            "email": invitation.email,
            "role": ROLE_NAMES.get(invitation.role, invitation.role),
            "expires": when_text(invitation.expires_at.astimezone(tz), today),
        }
        for invitation in await pending_invitations(services.ctx)
    ]
    return page(
        request,
        services,
        admin,
        "admin/staff.html",
        {
            "members": members,
            "invitations": invitations,
            "roles": _roles(),
            "values": values or {"invite-role": "host"},
            "default_max": services.ctx.rules.max_chats_per_host,
            "invitation_link": invitation_link,
            "invited": invited,
            "invitation_hours": INVITATION_HOURS,
        },
        messages=LIST_MESSAGES,
        errors=errors,
    )


@router.get("/staff")
async def staff_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _list_page(request, services, admin)


@router.post("/staff/invite")
async def invite(request: Request, services: ServicesDep, admin: Admin) -> Response:
    """The link is shown on this answer and nowhere else (it is not in any address, and the
    page is not stored: ``Cache-Control: no-store``), so it is not a redirect."""
    form = await read_form(request)
    values = {
        "invite-email": field(form, "invite-email"),
        "invite-role": field(form, "invite-role"),
    }
    email = values["invite-email"].strip()
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 320:
        errors["invite-email"] = "Skriv e-postadressen til den du vil invitere."
    if values["invite-role"] not in ROLES:
        errors["invite-role"] = "Velg en av rollene."
    if not errors:
        try:
            invitation, token = await invite_staff(
                services.ctx, admin, email, values["invite-role"]
            )
        except Conflict:
            errors["invite-email"] = "Det finnes alt en ansatt med denne e-postadressen."
        except Invalid:
            errors["invite-email"] = "Det ser ikke ut som en e-postadresse."
        else:
            base = services.settings.public_origin or str(request.base_url).rstrip("/")
            return await _list_page(
                request,
                services,
                admin,
                values={"invite-role": "host"},
                invitation_link=f"{base.rstrip('/')}{INVITATION_PATH}{token}",
                invited=invitation.email,
            )
    return await _list_page(request, services, admin, errors, values)


async def _member(services: ServicesDep, staff_id: int) -> Staff | None:
    return next((m for m in await list_staff(services.ctx) if m.id == staff_id), None)


async def _member_page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    member: Staff,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        services,
        admin,
        "admin/staff_member.html",
        {
            "member": member,
            "is_me": member.id == admin.id,
            "roles": _roles(),
            "values": {
                "role": member.role,
                "max-chats": str(member.max_chats or ""),
                **(values or {}),
            },
            "default_max": services.ctx.rules.max_chats_per_host,
            "max_limit": MAX_CHATS_LIMIT,
        },
        messages=MEMBER_MESSAGES,
        errors=errors,
    )


@router.get("/staff/{staff_id}")
async def member_page(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    member = await _member(services, staff_id)
    if member is None:
        return back(PATH, "gone")
    return await _member_page(request, services, admin, member)


@router.post("/staff/{staff_id}/role")
async def change_role(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    form = await read_form(request)
    role = field(form, "role")
    error = ""
    if role not in ROLES:
        error = "Velg en av rollene."
    else:
        try:
            await set_role(services.ctx, admin, staff_id, role)
        except NotFound:
            return back(PATH, "gone")
        except Conflict:
            error = "Du kan ikke ta fra deg selv rollen som administrator."
        except Invalid:
            error = "Velg en av rollene."
    return await _after(request, services, admin, staff_id, "role", error, "role", role)


@router.post("/staff/{staff_id}/max-chats")
async def change_max_chats(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    form = await read_form(request)
    text = field(form, "max-chats")
    n = whole_number(text)
    error = ""
    if n is None or not 1 <= n <= MAX_CHATS_LIMIT:
        error = f"Skriv et helt tall fra 1 til {MAX_CHATS_LIMIT}."
    else:
        try:
            await set_max_chats_by_id(services.ctx, admin, staff_id, n)
        except NotFound:
            return back(PATH, "gone")
        except Invalid:
            error = f"Skriv et helt tall fra 1 til {MAX_CHATS_LIMIT}."
    return await _after(request, services, admin, staff_id, "max", error, "max-chats", text)


@router.post("/staff/{staff_id}/access")
async def change_access(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    form = await read_form(request)
    error = ""
    ok = "deactivated" if field(form, "active") == "0" else "reactivated"
    try:
        if ok == "deactivated":
            await deactivate_staff(services.ctx, admin, staff_id)
        else:
            await reactivate_staff(services.ctx, admin, staff_id)
    except NotFound:
        return back(PATH, "gone")
    except Conflict:
        error = "Du kan ikke stenge din egen konto."
    return await _after(request, services, admin, staff_id, ok, error, "access")


@router.post("/staff/{staff_id}/second-factor")
async def reset_code(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    try:
        await reset_second_factor(services.ctx, admin, staff_id)
    except NotFound:
        return back(PATH, "gone")
    return back(f"{PATH}/{staff_id}", "second-factor")


@router.post("/staff/{staff_id}/sessions")
async def end_sessions(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    try:
        await end_all_sessions(services.ctx, admin, staff_id)
    except NotFound:
        return back(PATH, "gone")
    return back(f"{PATH}/{staff_id}", "sessions")


async def _after(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    staff_id: int,
    ok: str,
    error: str,
    field_id: str,
    value: str | None = None,
) -> Response:
    """Back to the member's page; or, with an error, the page again with the message."""
    if not error:
        return back(f"{PATH}/{staff_id}", ok)
    member = await _member(services, staff_id)
    if member is None:
        return back(PATH, "gone")
    values = {field_id: value} if value is not None else {}
    return await _member_page(request, services, admin, member, {field_id: error}, values)
