"""/admin/audit: the audit log, newest first, a hundred rows a page, and whether the hash chain
still verifies (the same check as ``lykt audit verify``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import Request, Response

from lykt.actions.audit import audit_log, count_audit, verify_audit
from lykt.actions.hours import load_config
from lykt.actions.staff import list_staff
from lykt.web.admin.common import Admin, page, router, whole_number
from lykt.web.deps import ServicesDep

PAGE_ROWS = 100
#: What the log's action codes mean, in words; an unknown code is shown as it is.
ACTIONS = {
    "hours.weekly_set": "Faste åpningstider endret",
    "hours.closed_added": "Stengt dag lagt til",
    "hours.extra_added": "Ekstra åpning lagt til",
    "hours.day_removed": "Unntak fjernet",
    "hours.timezone_set": "Tidssone endret",
    "hours.holidays_set": "Helligdager endret",
    "profile.changed": "Profil endret",
    "canned.added": "Felles ferdig svar lagt til",
    "canned.removed": "Felles ferdig svar fjernet",
    "topic.added": "Tema lagt til",
    "topic.removed": "Tema fjernet",
    "site.quick_exit_set": "Rask utgang endret",
    "supervisor.watch": "Leder leste med",
    "supervisor.join": "Leder ble med i samtale",
    "supervisor.takeover": "Leder tok over samtale",
    "hold.placed": "Samtale tatt vare på (avvergingsplikt)",
    "hold.released": "Samtale ikke lenger tatt vare på",
    "escrow.exported": "IP-adresser utlevert",
    "duty.flagged": "Mulig avvergingsplikt meldt",
    "help.requested": "Vakt ba om hjelp",
    "login.succeeded": "Logget inn",
    "login.failed": "Mislykket innlogging",
    "session.ended": "Logget ut",
    "sessions.ended": "Logget ut overalt",
    "password.changed": "Passord endret",
    "password.change_refused": "Passordbytte avvist",
    "second_factor.enrolled": "Totrinnskode satt opp",
    "second_factor.reset": "Totrinnskode nullstilt",
    "staff.added": "Ansatt lagt til",
    "staff.invited": "Ansatt invitert",
    "staff.joined": "Invitasjon tatt i bruk",
    "staff.role_changed": "Rolle endret",
    "staff.max_chats": "Maks samtaler endret",
    "staff.deactivated": "Konto stengt",
    "staff.reactivated": "Konto åpnet igjen",
}
PROBLEMS = {
    "the row was changed": "raden er endret etter at den ble skrevet",
}


@dataclass(frozen=True)
class Row:
    id: int
    at: str
    actor: str
    action: str
    code: str
    subject: str
    detail: str


@router.get("/audit")
async def audit_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    total = await count_audit(services.ctx)
    pages = max(1, -(-total // PAGE_ROWS))
    number = min(max(1, whole_number(request.query_params.get("side", "1")) or 1), pages)
    entries = await audit_log(
        services.ctx, PAGE_ROWS, newest_first=True, offset=(number - 1) * PAGE_ROWS
    )
    names = {f"staff:{member.id}": member.display_name for member in await list_staff(services.ctx)}
    names["operator"] = "Drift (kommandolinjen)"
    tz = (await load_config(services.ctx)).timezone
    zone = ZoneInfo(tz)
    rows = [
        Row(
            id=entry.id,
            at=f"{entry.at.astimezone(zone):%d.%m.%Y %H:%M:%S}",
            actor=names.get(entry.actor, entry.actor),
            action=ACTIONS.get(entry.action, entry.action),
            code=entry.action,
            subject=_subject(entry.subject, names),
            detail=entry.detail,
        )
        for entry in entries
    ]
    verdict = await verify_audit(services.ctx)
    if verdict.intact:
        chain = f"Loggen er urørt: alle {verdict.rows} radene henger sammen i kjeden."
    else:
        problem = PROBLEMS.get(
            verdict.problem, "en rad før den er fjernet, eller rader er byttet om"
        )
        chain = f"Loggen er endret ved rad {verdict.bad_id}: {problem}."
    return page(
        request,
        services,
        admin,
        "admin/audit.html",
        {
            "rows": rows,
            "number": number,
            "pages": pages,
            "total": total,
            "intact": verdict.intact,
            "chain": chain,
            "timezone": tz,
        },
    )


def _subject(subject: str, names: dict[str, str]) -> str:
    return f"{names[subject]} ({subject})" if subject in names else subject
