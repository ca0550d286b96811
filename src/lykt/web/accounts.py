"""Staff accounts over HTTP: log in (password and second factor), enrol a second factor, log
out, who am I, my sessions, change my password. See docs/protocol.md and docs/security.md."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from lykt.actions.second_factor import qr_svg
from lykt.actions.sessions import (
    MustEnrol,
    Opened,
    change_password,
    confirm_enrolment,
    end_my_session,
    log_in,
    log_out,
    my_sessions,
)
from lykt.actions.shift import make_available
from lykt.errors import Forbidden, LyktError
from lykt.events import iso
from lykt.models import Staff
from lykt.web.api import _error, rate_limited
from lykt.web.deps import CurrentStaff, Services, ServicesDep, SessionToken
from lykt.web.sources import source_of

router = APIRouter(prefix="/api/staff")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Login(_Strict):
    email: StrictStr = Field(max_length=320)
    password: StrictStr = Field(max_length=1024)
    otp: StrictStr = Field(default="", max_length=16)


class Enrol(_Strict):
    enrolment: StrictStr = Field(max_length=200)
    otp: StrictStr = Field(max_length=16)


class NewPassword(_Strict):
    current: StrictStr = Field(max_length=1024)
    new: StrictStr = Field(max_length=1024)


def device_label(user_agent: str) -> str:
    """ "Firefox on Linux": enough for a member to tell their sessions apart, nothing more."""
    ua = user_agent.lower()
    browser = next(
        (name for key, name in (("edg/", "Edge"), ("firefox", "Firefox"), ("chrome", "Chrome"),
                                ("safari", "Safari")) if key in ua),
        "a browser",
    )  # fmt: skip
    system = next(
        (name for key, name in (("android", "Android"), ("iphone", "iPhone"), ("ipad", "iPad"),
                                ("windows", "Windows"), ("mac os", "Mac"), ("linux", "Linux"))
         if key in ua),
        "",
    )  # fmt: skip
    return f"{browser} on {system}" if system else browser


def me(staff: Staff) -> dict[str, object]:
    return {"id": staff.id, "display_name": staff.display_name, "role": staff.role}


def set_session_cookie(response: Response, services: Services, token: str) -> None:
    """A new session's cookie (a new 256-bit token at every login): the one place its
    attributes are set (docs/security.md)."""
    response.set_cookie(
        services.staff_cookie,
        token,
        max_age=services.ctx.rules.staff_session_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=services.settings.secure_cookies,
        path="/",
    )


def with_session(services: Services, opened: Opened, body: dict[str, object]) -> JSONResponse:
    """The answer that opens a session."""
    response = JSONResponse(body)
    set_session_cookie(response, services, opened.token)
    return response


def _invalid_login() -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_login", "message": "wrong email, password or code"}, status_code=401
    )


@router.post("/login")
async def staff_login(body: Login, request: Request, services: ServicesDep) -> JSONResponse:
    limited = rate_limited(services.limits.logins, request)
    if limited is not None:
        return limited
    try:
        result = await log_in(
            services.ctx,
            body.email,
            body.password,
            body.otp,
            source=source_of(request.scope),
            label=device_label(request.headers.get("user-agent", "")),
        )
    except Forbidden:
        return _invalid_login()
    except LyktError as exc:
        return _error(exc)
    if isinstance(result, MustEnrol):
        # The right password, but no second factor yet (new, or reset by an admin): no
        # session until a code from the new secret confirms it.
        return JSONResponse(
            {
                "error": "enrol",
                "message": "set up the second factor: scan the code, then enter a code",
                "enrolment": result.enrolment,
                "otpauth_uri": result.uri,
                "secret": result.secret,
                "qr_svg": qr_svg(result.uri),
            },
            status_code=403,
        )
    await make_available(services.ctx, result.staff)  # logging in starts a shift
    return with_session(services, result, me(result.staff))


@router.post("/enrol")
async def staff_enrol(body: Enrol, request: Request, services: ServicesDep) -> JSONResponse:
    limited = rate_limited(services.limits.logins, request)
    if limited is not None:
        return limited
    try:
        opened = await confirm_enrolment(
            services.ctx,
            body.enrolment,
            body.otp,
            label=device_label(request.headers.get("user-agent", "")),
        )
    except Forbidden:
        return _invalid_login()
    except LyktError as exc:
        return _error(exc)
    await make_available(services.ctx, opened.staff)
    return with_session(services, opened, me(opened.staff))


@router.post("/logout", status_code=204)
async def staff_logout(services: ServicesDep, token: SessionToken) -> Response:
    if token:
        await log_out(services.ctx, token)
    response = Response(status_code=204)
    response.delete_cookie(services.staff_cookie, path="/", secure=services.settings.secure_cookies)
    return response


@router.get("/me")
async def staff_me(staff: CurrentStaff) -> dict[str, object]:
    return me(staff)


@router.get("/sessions")
async def sessions(staff: CurrentStaff, services: ServicesDep, token: SessionToken) -> object:
    assert token is not None
    return [
        {
            "id": s.id,
            "label": s.label,
            "created_at": iso(s.created_at),
            "last_seen_at": iso(s.last_seen_at),
            "current": s.current,
        }
        for s in await my_sessions(services.ctx, staff, token)
    ]


@router.delete("/sessions/{public_id}", status_code=204)
async def end_session(public_id: str, staff: CurrentStaff, services: ServicesDep) -> Response:
    try:
        await end_my_session(services.ctx, staff, public_id[:32])
    except LyktError as exc:
        return _error(exc)
    return Response(status_code=204)


@router.post("/password", status_code=204)
async def new_password(
    body: NewPassword, staff: CurrentStaff, services: ServicesDep, token: SessionToken
) -> Response:
    assert token is not None
    try:
        await change_password(services.ctx, staff, token, body.current, body.new)
    except LyktError as exc:
        return _error(exc)
    return Response(status_code=204)
