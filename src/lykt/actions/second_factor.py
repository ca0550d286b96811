"""The second factor: TOTP (RFC 6238) with pyotp, 30-second steps, six digits. A code is
accepted for the step before and after the current one (clocks drift), and only for a step
later than the last one used: a code works once."""

from __future__ import annotations

import pyotp
import segno

ISSUER = "Lykt"
STEP_S = 30


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now_s: float, last_step: int | None) -> int | None:
    """The step ``code`` belongs to (now, or one step either side), if it is later than
    ``last_step``; None otherwise."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now_s // STEP_S)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * STEP_S), code):
            return step
    return None


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (drawn on our own page, nothing fetched)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR-kode"))


def qr_terminal(uri: str) -> str:
    """The QR code for a terminal, in block characters."""
    import io

    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()
