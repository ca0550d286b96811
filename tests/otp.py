"""Codes for the second factor in tests: what a member's authenticator app shows.

A code works once (the server remembers the last step used), and a step lasts 30 s, while a
test logs in far more often than a person can. ``code_after`` gives the code of the first
step the server still accepts (now, or the next); ``Authenticator``
remembers the steps it has used for an account, as the server does."""

from __future__ import annotations

import time
import urllib.parse

import pyotp

STEP_S = 30


def secret_from_uri(uri: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["secret"][0]


def code_after(secret: str, last_step: int | None, now_s: float | None = None) -> str | None:
    current = int((time.time() if now_s is None else now_s) // STEP_S)
    # Now, or else the next step (the server takes one step either side): never the step
    # before, which a server a moment later may already see as two steps back.
    for step in (current, current + 1):
        if last_step is None or step > last_step:
            return pyotp.TOTP(secret).at(step * STEP_S)
    return None


class Authenticator:
    """One member's app: a fresh, unused code each time (up to two per 30 s)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.used: int | None = None

    def code(self) -> str:
        current = int(time.time() // STEP_S)
        for step in (current, current + 1):
            if self.used is None or step > self.used:
                self.used = step
                return pyotp.TOTP(self.secret).at(step * STEP_S)
        # Two logins within one step already: wait for the next, as a person would.
        time.sleep((current + 1) * STEP_S - time.time() + 0.05)
        return self.code()
