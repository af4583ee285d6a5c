"""The I/O-free half shared by both clients: options, headers, retry decisions, error and body decoding."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .errors import RapportError, error_for_status

__version__ = '0.1.0'

DEFAULT_BASE_URL = 'http://127.0.0.1:3000'
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3
PERSONAS_CACHE_SECONDS = 60.0
API_PREFIX = '/api/v1/sdk'

logger = logging.getLogger('rapport')

# option name -> header (SPEC §5); the *_api_key ones are secrets
LLM_HEADERS: Tuple[Tuple[str, str], ...] = (
    ('llm_api_key', 'X-LLM-API-Key'),
    ('llm_model', 'X-LLM-Model'),
    ('llm_eval_model', 'X-LLM-Eval-Model'),
    ('llm_response_model', 'X-LLM-Response-Model'),
    ('llm_summarization_model', 'X-LLM-Summarization-Model'),
    ('llm_eval_api_key', 'X-LLM-Eval-API-Key'),
    ('llm_response_api_key', 'X-LLM-Response-API-Key'),
    ('llm_summarization_api_key', 'X-LLM-Summarization-API-Key'),
)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """Where requests go: scheme, host, port and the path every API path is appended to."""
    scheme: str
    host: str
    port: int
    prefix: str

    @property
    def origin(self) -> str:
        return f'{self.scheme}://{self.host}:{self.port}'


def parse_base_url(base_url: str) -> Endpoint:
    """Accepts the server's origin (optionally with a path prefix, or ending in /api/v1)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ValueError('base_url must be an http:// or https:// URL')
    prefix = parts.path.rstrip('/')
    for suffix in ('/api/v1/sdk', '/api/v1'):
        if prefix.endswith(suffix):
            prefix = prefix[: -len(suffix)]
            break
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    return Endpoint(parts.scheme, parts.hostname, port, prefix)


@dataclasses.dataclass(frozen=True)
class ClientOptions:
    """Validated client options. Keys are excluded from repr (and never logged)."""
    api_key: str = dataclasses.field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    llm_api_key: Optional[str] = dataclasses.field(default=None, repr=False)
    llm_model: Optional[str] = None
    llm_eval_model: Optional[str] = None
    llm_response_model: Optional[str] = None
    llm_summarization_model: Optional[str] = None
    llm_eval_api_key: Optional[str] = dataclasses.field(default=None, repr=False)
    llm_response_api_key: Optional[str] = dataclasses.field(default=None, repr=False)
    llm_summarization_api_key: Optional[str] = dataclasses.field(default=None, repr=False)

    def secrets(self) -> List[str]:
        keys = [self.api_key, self.llm_api_key, self.llm_eval_api_key, self.llm_response_api_key,
                self.llm_summarization_api_key]
        return [k for k in keys if k]


def make_options(api_key: Optional[str], base_url: Optional[str], timeout: float, max_retries: int,
                 llm: Mapping[str, Optional[str]]) -> ClientOptions:
    """Fills unset options from RAPPORT_* environment variables and checks them."""
    key = api_key if api_key is not None else os.environ.get('RAPPORT_API_KEY')
    if not key:
        raise ValueError('api_key is required (or set RAPPORT_API_KEY)')
    url = base_url or os.environ.get('RAPPORT_BASE_URL') or DEFAULT_BASE_URL
    parse_base_url(url)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError('timeout must be a positive number of seconds')
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError('max_retries must be an integer >= 0')
    values = dict(llm)
    for name in ('llm_api_key', 'llm_model'):
        if values.get(name) is None:
            values[name] = os.environ.get('RAPPORT_' + name.upper()) or None
    options = ClientOptions(key, url, float(timeout), max_retries, **values)
    build_headers(options, 'application/json')
    return options


def build_headers(options: ClientOptions, accept: str, idempotency_key: Optional[str] = None,
                  overrides: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Headers of one request: Content-Type on every request (SPEC §1), the API key and the X-LLM-* options."""
    headers = {
        'X-API-Key': options.api_key,
        'Content-Type': 'application/json',
        'Accept': accept,
        'User-Agent': f'rapport-python/{__version__}',
    }
    for name, header in LLM_HEADERS:
        value = getattr(options, name)
        if value:
            headers[header] = value
    if overrides:
        headers.update(overrides)
    if idempotency_key:
        headers['Idempotency-Key'] = idempotency_key
    for name, value in headers.items():
        if not isinstance(value, str) or any(c in value for c in '\r\n\0'):
            raise ValueError(f'{name} must be a single-line string')  # the value itself may be a key: not shown
    return headers


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def backoff_delay(attempt: int, retry_after: Optional[float] = None,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number attempt+1: Retry-After when the server sent it, else a jittered
    exponential backoff of 0.25-0.5 s, 0.5-1 s, 1-2 s, ..."""
    if retry_after is not None:
        return retry_after
    base = 0.25 * 2.0 ** attempt
    return base + base * rand()


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After in seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        return seconds if seconds >= 0 else None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def redact(text: str, secrets: List[str]) -> str:
    """Removes any configured key from a text before it goes into an exception."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, '[redacted]')
    return text


def error_from_response(status: int, headers: Mapping[str, str], body: bytes, secrets: List[str]) -> RapportError:
    """The typed exception for an error response, with the message of its {"error": {"message"}} body."""
    message = f'HTTP {status}'
    try:
        payload = json.loads(body.decode('utf-8'))
        if isinstance(payload, dict) and isinstance(payload.get('error'), dict):
            text = payload['error'].get('message')
            if isinstance(text, str) and text:
                message = text
    except ValueError:
        pass
    return error_for_status(status, redact(message, secrets), parse_retry_after(headers.get('retry-after')))


def decode_body(status: int, body: bytes, parse: Callable[[Any], Any]) -> Any:
    """Decodes a successful JSON body into a model; a body that does not match is a RapportError."""
    try:
        return parse(json.loads(body.decode('utf-8')))
    except ValueError as exc:
        raise RapportError(f'Unexpected response from the server: {exc}', status) from None


@dataclasses.dataclass(frozen=True)
class RawResponse:
    """A complete HTTP response; header names are lower-case."""
    status: int
    headers: Dict[str, str]
    body: bytes


class PersonaCache:
    """The persona list kept for PERSONAS_CACHE_SECONDS (SPEC §9)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._value: Optional[List[Any]] = None
        self._stored_at = 0.0

    def get(self) -> Optional[List[Any]]:
        if self._value is not None and self.clock() - self._stored_at < PERSONAS_CACHE_SECONDS:
            return list(self._value)
        return None

    def put(self, value: List[Any]) -> None:
        self._value = list(value)
        self._stored_at = self.clock()

    def clear(self) -> None:
        self._value = None
