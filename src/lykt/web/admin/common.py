"""What every admin page shares: the gate (admins only), the page frame, forms and redirects.

The pages are server-rendered forms that post to the same actions the CLI calls (one rule, two
doors). A form posts, the change is made (and audited, in the action's transaction), and the
browser is sent back with ``303 See Other`` and a short status code in the address
(``?ok=closed``), which the page turns into a sentence of its own: nothing a user typed is ever
echoed from the address. A form with a mistake is shown again at once, with what was typed and
the message next to the field. The pages are in bokmål, like the staff console.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from lykt.models import Staff
from lykt.web.deps import CurrentStaff, Services, ServicesDep

ROLE_NAMES = {"host": "vert", "supervisor": "leder", "admin": "administrator"}


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    about: str


#: The admin pages, in the order the menu and the start page list them.
PAGES = (
    NavLink(
        "/admin/hours", "Åpningstider", "Ukedager, stengte dager, ekstra åpning og helligdager."
    ),
    NavLink(
        "/admin/profiles",
        "Hvem svarer",
        "Hvem som vises på den offentlige siden, med tekst og bilde.",
    ),
    NavLink("/admin/canned", "Ferdige svar", "De felles ferdige svarene vaktene kan bruke."),
    NavLink("/admin/topics", "Temaer", "Temaene vaktene velger i oppsummeringen etter en samtale."),
    NavLink("/admin/site", "Rask utgang", "Nettstedet «Rask utgang» sender besøkende til."),
    NavLink(
        "/admin/staff", "Ansatte", "Invitasjoner, roller, maks samtaler, tilgang og innlogging."
    ),
    NavLink("/admin/audit", "Logg", "Hvem som endret hva, og om loggen er urørt."),
)


class NotAdmin(Exception):
    """A staff member who is logged in, but not an admin."""

    def __init__(self, staff: Staff) -> None:
        super().__init__("admins only")
        self.staff = staff


def require_admin(staff: CurrentStaff) -> Staff:
    if staff.role != "admin":
        raise NotAdmin(staff)
    return staff


#: The admin making a change; every route under /admin has it (the router checks it too).
Admin = Annotated[Staff, Depends(require_admin)]


def actor(admin: Staff) -> str:
    """How the audit log names an admin."""
    return f"staff:{admin.id}"


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


class AdminRoute(APIRoute):
    """A route that answers a visitor who is not logged in, or not an admin, with a page
    that says so (and where to go), instead of the API's JSON error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def gated(request: Request) -> Response:
            try:
                return await handle(request)
            except HTTPException as exc:
                if exc.status_code != 401:
                    raise
                return render(request, _services(request), "admin/login.html", status=401)
            except NotAdmin as exc:
                return render(
                    request,
                    _services(request),
                    "admin/forbidden.html",
                    {"who": exc.staff, "role_name": ROLE_NAMES.get(exc.staff.role, exc.staff.role)},
                    status=403,
                )

        return gated


router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(require_admin)])


def render(
    request: Request,
    services: Services,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> Response:
    """An admin page, in bokmål whatever ``?lang=`` says."""
    renderer = services.renderer
    response = renderer.render(
        request,
        template,
        {"admin_pages": PAGES, "role_names": ROLE_NAMES, **(context or {})},
        language=renderer.languages.get(renderer.languages.default),
    )
    response.status_code = status
    return response


def page(
    request: Request,
    services: ServicesDep,
    admin: Staff,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    messages: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Response:
    """An admin page with the menu, the status of the last change (``?ok=``, one of
    ``messages``) and, when a form was sent with mistakes, ``errors`` (field id → message),
    answered with 422 so that nothing takes it for a success."""
    ok = request.query_params.get("ok", "")
    return render(
        request,
        services,
        template,
        {
            "admin": admin,
            "status": (messages or {}).get(ok, "") if not errors else "",
            "errors": errors or {},
            **(context or {}),
        },
        status=422 if errors else 200,
    )


def back(path: str, ok: str, anchor: str = "") -> RedirectResponse:
    """After a change: back to the page, with what was done (a code, never user text), and
    to the part of the page that changed (``anchor``)."""
    return RedirectResponse(f"{path}?ok={ok}{'#' + anchor if anchor else ''}", status_code=303)


async def read_form(request: Request) -> FormData:
    return await request.form()


def field(form: FormData, name: str) -> str:
    """A text field's value ("" when missing, or when it is a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def upload(form: FormData, name: str, limit: int) -> bytes | None:
    """A file field's bytes (None when no file was chosen), at most ``limit`` + 1 read."""
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return await value.read(limit + 1)


def whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def day_text(day: date, today: date | None = None) -> str:
    """ "onsdag 24. desember" (with the year when it is not this year's)."""
    pattern = "EEEE d. MMMM" if today is not None and day.year == today.year else "EEEE d. MMMM y"
    return format_date(day, pattern, locale="nb")


def clock_text(at: time, *, closing: bool = False) -> str:
    """ "15:00"; a closing at midnight is "24:00"."""
    return "24:00" if closing and at == time(0) else f"{at:%H:%M}"


def when_text(at: datetime, today: date) -> str:
    """ "onsdag 24. desember kl. 15:00", in ``at``'s timezone."""
    return f"{day_text(at.date(), today)} kl. {at:%H:%M}"
