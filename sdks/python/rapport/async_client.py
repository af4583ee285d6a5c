"""The asyncio client: AsyncRapportClient, the same surface as RapportClient with awaitable calls."""
from __future__ import annotations

import asyncio
from typing import AsyncGenerator, AsyncIterator, Awaitable, Callable, List, Optional, TypeVar

from . import _calls
from ._base import ClientBase
from ._calls import Call
from ._async_transport import AsyncStream, AsyncTransport
from ._core import RawResponse
from .errors import RapportConnectionError, RapportError
from .events import EventReader, StreamEvent
from .models import (ChatHistory, ChatResponse, KeyValidation, MachineInfo, Persona, ResetResponse, SessionInit,
                     SessionStatus)

T = TypeVar('T')


class AsyncRapportClient(ClientBase):
    """asyncio client for the Rapport SDK API; never blocks the event loop (see _async_transport).

    Same options as RapportClient; every call is a coroutine, stream_message an async iterator.
    """

    def _setup(self) -> None:
        self._transport = AsyncTransport(self._endpoint, self._options.timeout)
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.personas = AsyncPersonas(self)
        self.machines = AsyncMachines(self)
        self.chat = AsyncChat(self)

    async def validate_llm_key(self, model: Optional[str] = None, *,
                               llm_api_key: Optional[str] = None) -> KeyValidation:
        """Tries an LLM key (default: the client's llm_api_key) with one tiny request to its provider."""
        return await self._call(_calls.validate_llm_key(model, llm_api_key))

    async def close(self) -> None:
        """Nothing to release (no pooled connections); kept so the client works as a context manager."""

    async def __aenter__(self) -> 'AsyncRapportClient':
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            try:
                raw = await self._transport.request(call.method, call.path, self._headers(call), call.body)
                outcome = self._outcome(call, raw)
            except RapportConnectionError as exc:
                outcome = exc
            if not isinstance(outcome, RapportError):
                return outcome  # type: ignore[no-any-return]
            delay = self._retry_delay(call, attempt, outcome)
            if delay is None:
                raise outcome
            await self._sleep(delay)
            attempt += 1

    async def _open_stream(self, call: Call[None]) -> AsyncStream:
        stream = await self._transport.open(call.method, call.path, self._headers(call, 'text/event-stream'),
                                            call.body)
        if stream.status != 200:
            raw = RawResponse(stream.status, stream.headers, await stream.read_all())
            raise self._outcome(call, raw)
        return stream


class AsyncPersonas:
    """client.personas"""

    def __init__(self, client: AsyncRapportClient) -> None:
        self._client = client

    async def list(self, *, refresh: bool = False) -> List[Persona]:
        """Published personas of the API key's owner; cached for 60 s unless refresh=True."""
        cache = self._client._personas_cache
        cached = None if refresh else cache.get()
        if cached is not None:
            return cached
        personas = await self._client._call(_calls.list_personas())
        cache.put(personas)
        return personas


class AsyncMachines:
    """client.machines"""

    def __init__(self, client: AsyncRapportClient) -> None:
        self._client = client

    async def list(self, persona_id: str, *, user_session_id: str) -> List[MachineInfo]:
        """Machines of a persona available to this player (unlocked links included)."""
        return await self._client._call(_calls.list_machines(persona_id, user_session_id))


class AsyncChat:
    """client.chat"""

    def __init__(self, client: AsyncRapportClient) -> None:
        self._client = client

    async def init_session(self, persona_id: str, *, user_session_id: str, player_name: str, player_gender: str,
                           machine_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> SessionInit:
        """Starts (or restarts) the player's session; returns the NPC's greeting."""
        return await self._client._call(_calls.init_session(persona_id, user_session_id, player_name,
                                                            player_gender, machine_id, idempotency_key))

    async def send_message(self, persona_id: str, *, message: str, user_session_id: str,
                           machine_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> ChatResponse:
        """One conversation turn. Retried with the same Idempotency-Key, so it is applied at most once."""
        return await self._client._call(_calls.send_message(persona_id, message, user_session_id, machine_id,
                                                            idempotency_key))

    def stream_message(self, persona_id: str, *, message: str, user_session_id: str,
                       machine_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> 'AsyncMessageStream':
        """One turn streamed: `async for` the events as they arrive, or await .final_response(). Never
        retried; the request is sent when iteration starts."""
        call = _calls.stream_message(persona_id, message, user_session_id, machine_id, idempotency_key)
        return AsyncMessageStream(lambda: self._client._open_stream(call))

    async def get_session(self, persona_id: str, *, user_session_id: str,
                          machine_id: Optional[str] = None) -> SessionStatus:
        """The session's state (NotFoundError when the player has none)."""
        return await self._client._call(_calls.get_session(persona_id, user_session_id, machine_id))

    async def get_history(self, persona_id: str, *, user_session_id: str, machine_id: Optional[str] = None,
                          include_trace: bool = False) -> ChatHistory:
        """The session's state and messages, oldest first (traces for the persona owner with include_trace)."""
        return await self._client._call(_calls.get_history(persona_id, user_session_id, machine_id, include_trace))

    async def reset(self, persona_id: str, *, user_session_id: str, machine_id: Optional[str] = None,
                    idempotency_key: Optional[str] = None) -> ResetResponse:
        """Deletes the session and its messages; the player's progress (unlocked machines) is kept."""
        return await self._client._call(_calls.reset(persona_id, user_session_id, machine_id, idempotency_key))


class AsyncMessageStream(AsyncIterator[StreamEvent]):
    """Typed events of one streamed turn (metadata, text_delta…, then done or error), yielded as they arrive."""

    def __init__(self, opener: Callable[[], Awaitable[AsyncStream]]) -> None:
        self._opener = opener
        self._events: Optional[AsyncGenerator[StreamEvent, None]] = None
        self._reader = EventReader()

    def __aiter__(self) -> 'AsyncMessageStream':
        return self

    async def __anext__(self) -> StreamEvent:
        if self._events is None:
            self._events = self._generate()
        return await self._events.__anext__()

    async def _generate(self) -> AsyncGenerator[StreamEvent, None]:
        stream = await self._opener()
        try:
            async for chunk in stream.chunks():
                for event in self._reader.feed(chunk):
                    yield event
                if self._reader.final is not None:
                    return
            raise RapportConnectionError('The stream ended before its done event')
        finally:
            await stream.close()

    async def final_response(self) -> ChatResponse:
        """Reads the rest of the stream; returns the done event's ChatResponse or raises StreamError."""
        async for _ in self:
            pass
        return self._reader.response()

    async def aclose(self) -> None:
        """Stops reading and closes the connection (the server then aborts the turn if still running)."""
        if self._events is not None:
            await self._events.aclose()

    async def __aenter__(self) -> 'AsyncMessageStream':
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
