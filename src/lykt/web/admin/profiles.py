"""/admin/profiles: what the public "Hvem svarer" page shows about each staff member: shown or
not, a short text, a photo (JPEG, PNG or WebP, at most 20 KB). ``lykt staff profile``."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from lykt.actions.profiles import (
    MAX_BIO_CHARS,
    MAX_PHOTO_BYTES,
    check_photo,
    host_photo,
    photo_owners,
    set_profile_by_id,
)
from lykt.actions.staff import list_staff
from lykt.errors import Invalid, NotFound
from lykt.models import storable
from lykt.web.admin.common import Admin, actor, back, field, page, read_form, router, upload
from lykt.web.deps import ServicesDep

PATH = "/admin/profiles"
MESSAGES = {
    "saved": "Profilen er lagret.",
    "gone": "Fant ikke den ansatte.",
}


async def _page(
    request: Request,
    services: ServicesDep,
    admin: Admin,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed: int | None = None,
) -> Response:
    members = sorted(
        await list_staff(services.ctx), key=lambda m: (not m.active, m.display_name.casefold())
    )
    return page(
        request,
        services,
        admin,
        "admin/profiles.html",
        {
            "members": members,
            "with_photo": await photo_owners(services.ctx),
            "values": values or {},
            "failed": failed,
            "max_bio": MAX_BIO_CHARS,
            "max_photo_bytes": MAX_PHOTO_BYTES,
            "max_photo_kb": MAX_PHOTO_BYTES // 1024,
        },
        messages=MESSAGES,
        errors=errors,
    )


@router.get("/profiles")
async def profiles_page(request: Request, services: ServicesDep, admin: Admin) -> Response:
    return await _page(request, services, admin)


@router.get("/profiles/{staff_id}/photo")
async def photo(staff_id: int, services: ServicesDep, admin: Admin) -> Response:
    """Any staff member's photo, shown on the public page or not, for the admin to see."""
    try:
        content_type, data = await host_photo(services.ctx, staff_id)
    except NotFound:
        return JSONResponse({"error": "not_found"}, status_code=404)
    return Response(data, media_type=content_type)


@router.post("/profiles/{staff_id}")
async def save_profile(
    staff_id: int, request: Request, services: ServicesDep, admin: Admin
) -> Response:
    form = await read_form(request)
    bio_id, photo_id = f"bio-{staff_id}", f"photo-{staff_id}"
    show = field(form, "show") == "1"
    bio = field(form, "bio").strip()
    remove_photo = field(form, "remove-photo") == "1"
    values = {
        f"show-{staff_id}": "1" if show else "",
        bio_id: bio,
        f"remove-photo-{staff_id}": "1" if remove_photo else "",
    }
    errors: dict[str, str] = {}
    if len(bio) > MAX_BIO_CHARS or not storable(bio):
        errors[bio_id] = f"Teksten kan være høyst {MAX_BIO_CHARS} tegn (nå {len(bio)})."
    photo = await upload(form, "photo", MAX_PHOTO_BYTES)
    if photo is not None:
        try:
            check_photo(photo)
        except Invalid:
            if len(photo) > MAX_PHOTO_BYTES:
                errors[photo_id] = (
                    f"Bildet er større enn {MAX_PHOTO_BYTES // 1024} KB. Beskjær og komprimer "
                    "det (for eksempel 160 × 160 piksler), og velg det på nytt."
                )
            else:
                errors[photo_id] = "Bildet må være JPEG, PNG eller WebP. Velg et annet."
    if not errors:
        try:
            await set_profile_by_id(
                services.ctx,
                staff_id,
                show=show,
                bio=bio,
                photo=photo,
                remove_photo=remove_photo and photo is None,
                actor=actor(admin),
            )
        except NotFound:
            return back(PATH, "gone")
        except Invalid:
            errors[bio_id] = "Teksten kunne ikke lagres slik."
    if errors:
        return await _page(request, services, admin, errors, values, failed=staff_id)
    return back(PATH, "saved", f"staff-{staff_id}")
