"""``/staff/invitation/<token>``: a new member sets their name and password and enrols the
second factor, from the one-time link an admin made (``lykt staff invite`` or /admin/staff).
A plain server-rendered form; a mistake comes back with what was typed (but the password)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from lykt.actions.second_factor import provisioning_uri, qr_svg
from lykt.actions.shift import make_available
from lykt.actions.staff import accept_invitation, open_invitation
from lykt.errors import Conflict, Forbidden, Invalid, LyktError, NotFound
from lykt.models import StaffInvitation
from lykt.web.accounts import device_label, set_session_cookie
from lykt.web.deps import Services, ServicesDep

router = APIRouter()
ROLE_NAMES = {"host": "vert", "supervisor": "vaktleder", "admin": "administrator"}


def _render(
    request: Request,
    services: Services,
    token: str,
    invitation: StaffInvitation | None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, object] = {
        "invitation": invitation,
        "token": token,
        "errors": errors or {},
        "values": values or {"display_name": ""},
    }
    if invitation is not None:
        uri = provisioning_uri(invitation.secret, invitation.email)
        context |= {
            "role_name": ROLE_NAMES.get(invitation.role, invitation.role),
            "qr_svg": qr_svg(uri),
            "secret": invitation.secret,
        }
    response = services.renderer.render(
        request,
        "invitation.html",
        context,
        language=services.renderer.languages.get(services.renderer.languages.default),
    )
    response.status_code = status_code
    return response


@router.get("/staff/invitation/{token}", response_class=HTMLResponse)
async def invitation_page(token: str, request: Request, services: ServicesDep) -> Response:
    try:
        invitation = await open_invitation(services.ctx, token)
    except NotFound:
        return _render(request, services, "", None, status_code=404)
    return _render(request, services, token, invitation)


@router.post("/staff/invitation/{token}", response_class=HTMLResponse)
async def accept(token: str, request: Request, services: ServicesDep) -> Response:
    form = await request.form()
    name = str(form.get("display_name") or "")[:200]
    password = str(form.get("password") or "")[:1100]
    otp = str(form.get("otp") or "")[:16]
    try:
        invitation = await open_invitation(services.ctx, token)
    except NotFound:
        return _render(request, services, "", None, status_code=404)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["display_name"] = "Skriv navnet besøkende skal se."
    if not otp.strip():
        errors["otp"] = "Skriv koden appen viser."
    if not errors:
        try:
            opened = await accept_invitation(
                services.ctx,
                token,
                name,
                password,
                otp,
                device_label(request.headers.get("user-agent", "")),
            )
        except Forbidden:
            errors["otp"] = "Koden stemte ikke. Prøv koden appen viser nå."
        except Invalid as exc:
            key = "password" if "password" in exc.message else "display_name"
            errors[key] = _norsk(exc.message)
        except (Conflict, NotFound, LyktError):
            return _render(request, services, "", None, status_code=404)
        else:
            await make_available(services.ctx, opened.staff)
            response = RedirectResponse("/staff", status_code=303)
            set_session_cookie(response, services, opened.token)
            return response
    return _render(
        request,
        services,
        token,
        invitation,
        errors=errors,
        values={"display_name": name},
        status_code=422,
    )


def _norsk(message: str) -> str:
    if "at least" in message:
        return "Passordet må ha minst 12 tegn."
    if "stronger" in message:
        return "Det passordet er for lett å gjette. Prøv noen flere ord, eller et mindre vanlig."
    if "display name" in message:
        return "Navnet kan ha 1 til 80 tegn."
    return "Det gikk ikke. Sjekk feltene og prøv igjen."
