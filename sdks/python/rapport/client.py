"""The blocking client: RapportClient with personas, machines and chat resources, and MessageStream."""
from __future__ import annotations

import time
from typing import Callable, Generator, Iterator, List, Optional, TypeVar

from . import _calls
from ._base import ClientBase
from ._calls import Call
from ._core import RawResponse
from ._sync_transport import SyncStream, SyncTransport
from .errors import RapportConnectionError, RapportError
from .events import EventReader, StreamEvent
from .models import (ChatHistory, ChatResponse, KeyValidation, MachineInfo, Persona, ResetResponse, SessionInit,
                     SessionStatus)

T = TypeVar('T')


class RapportClient(ClientBase):
    """Blocking client for the Rapport SDK API. Thread-safe: every request opens its own connection.

    Options: api_key (or RAPPORT_API_KEY), base_url (or RAPPORT_BASE_URL, default http://127.0.0.1:3000),
    timeout (30 s), max_retries (3), llm_api_key / llm_model (or RAPPORT_LLM_API_KEY / RAPPORT_LLM_MODEL),
    llm_{eval,response,summarization}_model and llm_{eval,response,summarization}_api_key.
    """

    def _setup(self) -> None:
        self._transport = SyncTransport(self._endpoint, self._options.timeout)
        self._sleep: Callable[[float], None] = time.sleep
        self.personas = Personas(self)
        self.machines = Machines(self)
        self.chat = Chat(self)

    def validate_llm_key(self, model: Optional[str] = None, *, llm_api_key: Optional[str] = None) -> KeyValidation:
        """Tries an LLM key (default: the client's llm_api_key) with one tiny request to its provider."""
        return self._call(_calls.validate_llm_key(model, llm_api_key))

    def close(self) -> None:
        """Nothing to release (no pooled connections); kept so the client works as a context manager."""

    def __enter__(self) -> 'RapportClient':
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                outcome = self._outcome(call, self._transport.request(call.method, call.path,
                                                                      self._headers(call), call.body))
            except RapportConnectionError as exc:
                outcome = exc
            if not isinstance(outcome, RapportError):
                return outcome  # type: ignore[no-any-return]
            delay = self._retry_delay(call, attempt, outcome)
            if delay is None:
                raise outcome
            self._sleep(delay)
            attempt += 1

    def _open_stream(self, call: Call[None]) -> SyncStream:
        stream = self._transport.open(call.method, call.path,
                                      self._headers(call, 'text/event-stream'), call.body)
        if stream.status != 200:
            raise self._outcome(call, _raw(stream))
        return stream


def _raw(stream: SyncStream) -> RawResponse:
    return RawResponse(stream.status, stream.headers, stream.read_all())


class Personas:
    """client.personas"""

    def __init__(self, client: RapportClient) -> None:
        self._client = client

    def list(self, *, refresh: bool = False) -> List[Persona]:
        """Published personas of the API key's owner; cached for 60 s unless refresh=True."""
        cache = self._client._personas_cache
        cached = None if refresh else cache.get()
        if cached is not None:
            return cached
        personas = self._client._call(_calls.list_personas())
        cache.put(personas)
        return personas


class Machines:
    """client.machines"""

    def __init__(self, client: RapportClient) -> None:
        self._client = client

    def list(self, persona_id: str, *, user_session_id: str) -> List[MachineInfo]:
        """Machines of a persona available to this player (unlocked links included)."""
        return self._client._call(_calls.list_machines(persona_id, user_session_id))


class Chat:
    """client.chat"""

    def __init__(self, client: RapportClient) -> None:
        self._client = client

    def init_session(self, persona_id: str, *, user_session_id: str, player_name: str, player_gender: str,
                     machine_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> SessionInit:
        """Starts (or restarts) the player's session; returns the NPC's greeting."""
        return self._client._call(_calls.init_session(persona_id, user_session_id, player_name, player_gender,
                                                      machine_id, idempotency_key))

    def send_message(self, persona_id: str, *, message: str, user_session_id: str, machine_id: Optional[str] = None,
                     idempotency_key: Optional[str] = None) -> ChatResponse:
        """One conversation turn. Retried with the same Idempotency-Key, so it is applied at most once."""
        return self._client._call(_calls.send_message(persona_id, message, user_session_id, machine_id,
                                                      idempotency_key))

    def stream_message(self, persona_id: str, *, message: str, user_session_id: str,
                       machine_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> 'MessageStream':
        """One turn streamed: iterate for events as they arrive, or call .final_response(). Never retried;
        the request is sent when iteration starts."""
        call = _calls.stream_message(persona_id, message, user_session_id, machine_id, idempotency_key)
        return MessageStream(lambda: self._client._open_stream(call))

    def get_session(self, persona_id: str, *, user_session_id: str,
                    machine_id: Optional[str] = None) -> SessionStatus:
        """The session's state (NotFoundError when the player has none)."""
        return self._client._call(_calls.get_session(persona_id, user_session_id, machine_id))

    def get_history(self, persona_id: str, *, user_session_id: str, machine_id: Optional[str] = None,
                    include_trace: bool = False) -> ChatHistory:
        """The session's state and messages, oldest first (traces for the persona owner with include_trace)."""
        return self._client._call(_calls.get_history(persona_id, user_session_id, machine_id, include_trace))

    def reset(self, persona_id: str, *, user_session_id: str, machine_id: Optional[str] = None,
              idempotency_key: Optional[str] = None) -> ResetResponse:
        """Deletes the session and its messages; the player's progress (unlocked machines) is kept."""
        return self._client._call(_calls.reset(persona_id, user_session_id, machine_id, idempotency_key))


class MessageStream(Iterator[StreamEvent]):
    """Typed events of one streamed turn (metadata, text_delta…, then done or error), yielded as they arrive."""

    def __init__(self, opener: Callable[[], SyncStream]) -> None:
        self._opener = opener
        self._events: Optional[Generator[StreamEvent, None, None]] = None
        self._stream: Optional[SyncStream] = None
        self._reader = EventReader()

    def __iter__(self) -> 'MessageStream':
        return self

    def __next__(self) -> StreamEvent:
        if self._events is None:
            self._events = self._generate()
        return next(self._events)

    def _generate(self) -> Generator[StreamEvent, None, None]:
        self._stream = self._opener()
        try:
            for chunk in self._stream.chunks():
                for event in self._reader.feed(chunk):
                    yield event
                if self._reader.final is not None:
                    return
            raise RapportConnectionError('The stream ended before its done event')
        finally:
            self._stream.close()

    def final_response(self) -> ChatResponse:
        """Reads the rest of the stream; returns the done event's ChatResponse or raises StreamError."""
        for _ in self:
            pass
        return self._reader.response()

    def close(self) -> None:
        """Stops reading and closes the connection (the server then aborts the turn if still running)."""
        if self._events is not None:
            self._events.close()
        elif self._stream is not None:
            self._stream.close()

    def __enter__(self) -> 'MessageStream':
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

