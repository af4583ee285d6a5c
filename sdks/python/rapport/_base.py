"""What the sync and asyncio clients share: construction from options, headers of a call, retry policy."""
from __future__ import annotations

import random
from typing import Any, Callable, Dict, Optional

from ._calls import Call
from ._core import (DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, PersonaCache, RawResponse, backoff_delay, build_headers,
                    decode_body, error_from_response, is_retryable, logger, make_options, parse_base_url)
from .errors import RapportConnectionError, RapportError, RapportTimeoutError


class ClientBase:
    """Options, persona cache and retry decisions; subclasses add the transport and the resources."""

    def __init__(self, api_key: Optional[str] = None, *, base_url: Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT, max_retries: int = DEFAULT_MAX_RETRIES,
                 llm_api_key: Optional[str] = None, llm_model: Optional[str] = None,
                 llm_eval_model: Optional[str] = None, llm_response_model: Optional[str] = None,
                 llm_summarization_model: Optional[str] = None, llm_eval_api_key: Optional[str] = None,
                 llm_response_api_key: Optional[str] = None, llm_summarization_api_key: Optional[str] = None) -> None:
        llm = {
            'llm_api_key': llm_api_key, 'llm_model': llm_model, 'llm_eval_model': llm_eval_model,
            'llm_response_model': llm_response_model, 'llm_summarization_model': llm_summarization_model,
            'llm_eval_api_key': llm_eval_api_key, 'llm_response_api_key': llm_response_api_key,
            'llm_summarization_api_key': llm_summarization_api_key,
        }
        self._options = make_options(api_key, base_url, timeout, max_retries, llm)
        self._endpoint = parse_base_url(self._options.base_url)
        self._personas_cache = PersonaCache()
        self._random: Callable[[], float] = random.random
        self._setup()

    def _setup(self) -> None:
        """Creates the transport and the resources (subclasses)."""

    @property
    def base_url(self) -> str:
        return self._options.base_url

    @property
    def timeout(self) -> float:
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        return self._options.max_retries

    def __repr__(self) -> str:
        return f'{type(self).__name__}(base_url={self._options.base_url!r}, timeout={self._options.timeout!r}, ' \
               f'max_retries={self._options.max_retries!r})'

    def _headers(self, call: Call[Any], accept: str = 'application/json') -> Dict[str, str]:
        return build_headers(self._options, accept, call.idempotency_key, call.headers)

    def _outcome(self, call: Call[Any], raw: RawResponse) -> Any:
        """The parsed body of a 2xx answer, else the typed error to raise or retry."""
        if 200 <= raw.status < 300:
            return decode_body(raw.status, raw.body, call.parse)
        return error_from_response(raw.status, raw.headers, raw.body, self._options.secrets())

    def _retry_delay(self, call: Call[Any], attempt: int, error: RapportError) -> Optional[float]:
        """Seconds to wait before retrying after `error`, or None when it must be raised.

        Retried: 429, 5xx, and a connection that failed before any answer (a message or init carries the
        same Idempotency-Key on every attempt, so the server applies it at most once). Never retried: other
        statuses, timeouts (the request may still be running), and streams (not called for them)."""
        if attempt >= self._options.max_retries or isinstance(error, RapportTimeoutError):
            return None
        if error.status_code is None:
            if not isinstance(error, RapportConnectionError):
                return None
        elif not is_retryable(error.status_code):
            return None
        delay = backoff_delay(attempt, error.retry_after, self._random)
        logger.debug('rapport: %s %s failed (%s); retry %d of %d in %.2f s', call.method, call.path.split('?')[0],
                     error.status_code or type(error).__name__, attempt + 1, self._options.max_retries, delay)
        return delay
