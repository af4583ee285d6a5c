"""Typed exceptions: one per HTTP status family (SPEC §9), plus connection, timeout and stream failures."""
from __future__ import annotations

from typing import Optional


class RapportError(Exception):
    """Base of every error the SDK raises. `status_code` is None when no HTTP status was received."""

    def __init__(self, message: str, status_code: Optional[int] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message if self.status_code is None else f'{self.message} (HTTP {self.status_code})'

    def __repr__(self) -> str:
        return f'{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})'


class BadRequestError(RapportError):
    """400: invalid input (bad UUID, missing field, invalid player_gender, missing LLM key, ended conversation)."""

    def __init__(self, message: str, status_code: Optional[int] = 400, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class AuthenticationError(RapportError):
    """401: missing or invalid API key, or the LLM provider rejected the LLM key."""

    def __init__(self, message: str, status_code: Optional[int] = 401, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class ForbiddenError(RapportError):
    """403: another user's persona, an unpublished persona, or a machine still locked for this player."""

    def __init__(self, message: str, status_code: Optional[int] = 403, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class NotFoundError(RapportError):
    """404: persona, machine, session or route does not exist."""

    def __init__(self, message: str, status_code: Optional[int] = 404, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class RateLimitError(RapportError):
    """429 after the retries were used up; `retry_after` holds the server's Retry-After in seconds (or None)."""

    def __init__(self, message: str, status_code: Optional[int] = 429, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class ServerError(RapportError):
    """500 and above (503 included) after the retries were used up."""

    def __init__(self, message: str, status_code: Optional[int] = 500, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status_code, retry_after)


class RapportConnectionError(RapportError):
    """The server could not be reached, or the connection broke before a complete answer."""


class RapportTimeoutError(RapportConnectionError):
    """No answer (or, in a stream, no data) within the client's `timeout`."""


class StreamError(ServerError):
    """The `error` event of a stream, raised by final_response(): the turn failed after the stream began
    (a provider failure mid-reply), so nothing was committed. A ServerError with status_code 500, like the
    same failure before the stream began."""


def error_for_status(status: int, message: str, retry_after: Optional[float] = None) -> RapportError:
    """The typed exception for an HTTP error status."""
    if status == 400:
        return BadRequestError(message, status, retry_after)
    if status == 401:
        return AuthenticationError(message, status, retry_after)
    if status == 403:
        return ForbiddenError(message, status, retry_after)
    if status == 404:
        return NotFoundError(message, status, retry_after)
    if status == 429:
        return RateLimitError(message, status, retry_after)
    if status >= 500:
        return ServerError(message, status, retry_after)
    return RapportError(message, status, retry_after)
