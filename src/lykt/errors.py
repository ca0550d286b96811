"""Domain errors. No HTTP here: ``web`` maps them to status codes and close codes."""

from __future__ import annotations

from datetime import datetime


class LyktError(Exception):
    code = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()


class NotFound(LyktError):
    """Not found."""

    code = "not_found"


class Forbidden(LyktError):
    """Not allowed."""

    code = "forbidden"


class Conflict(LyktError):
    """That cannot be done now."""

    code = "conflict"


class Invalid(LyktError):
    """The request is not valid."""

    code = "invalid"


class RateLimited(LyktError):
    """Too many requests; wait a little."""

    code = "rate_limited"

    def __init__(self, message: str = "", retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Closed(LyktError):
    """The chat is closed now."""

    code = "closed"

    def __init__(self, next_opening: datetime | None = None) -> None:
        super().__init__()
        self.next_opening = next_opening
