"""Typed stream events (SPEC §7) and the incremental Server-Sent Events decoder that produces them."""
from __future__ import annotations

import codecs
import dataclasses
import json
from typing import List, Literal, Optional, Tuple, Union

from .errors import RapportConnectionError, RapportError, StreamError
from .models import ChatResponse, StreamMetadata, from_dict


@dataclasses.dataclass(frozen=True)
class MetadataEvent:
    """Sent once, before any text: the turn's result without the reply."""
    metadata: StreamMetadata
    type: Literal['metadata'] = 'metadata'


@dataclasses.dataclass(frozen=True)
class TextDeltaEvent:
    """A chunk of the reply, as the provider produced it."""
    text: str
    type: Literal['text_delta'] = 'text_delta'


@dataclasses.dataclass(frozen=True)
class DoneEvent:
    """The committed turn: the full ChatResponse, reply included. Last event of a successful stream."""
    response: ChatResponse
    type: Literal['done'] = 'done'


@dataclasses.dataclass(frozen=True)
class ErrorEvent:
    """The turn failed after the stream began; nothing was committed. Last event of a failed stream."""
    message: str
    type: Literal['error'] = 'error'


StreamEvent = Union[MetadataEvent, TextDeltaEvent, DoneEvent, ErrorEvent]


def parse_event(name: str, data: str) -> Optional[StreamEvent]:
    """Turns one SSE event into a typed event; unknown event names give None (ignored, forward compatible)."""
    if name not in ('metadata', 'text_delta', 'done', 'error'):
        return None
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise ValueError(f'{name} event: expected an object')
    if name == 'metadata':
        return MetadataEvent(from_dict(StreamMetadata, payload))
    if name == 'text_delta':
        text = payload.get('text')
        if not isinstance(text, str):
            raise ValueError('text_delta event: missing text')
        return TextDeltaEvent(text)
    if name == 'done':
        return DoneEvent(from_dict(ChatResponse, payload))
    error = payload.get('error')
    message = error.get('message') if isinstance(error, dict) else None
    return ErrorEvent(message if isinstance(message, str) else 'The stream failed')


class SSEDecoder:
    """Feeds on raw bytes as they arrive and returns the complete (event, data) pairs seen so far."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder('utf-8')(errors='replace')
        self._buffer = ''
        self._event = ''
        self._data: List[str] = []

    def feed(self, chunk: bytes) -> List[Tuple[str, str]]:
        self._buffer += self._utf8.decode(chunk)
        events: List[Tuple[str, str]] = []
        while True:
            cr = self._buffer.find('\r')
            lf = self._buffer.find('\n')
            ends = [i for i in (cr, lf) if i >= 0]
            if not ends:
                break
            i = min(ends)
            if self._buffer[i] == '\r':
                if i + 1 == len(self._buffer):
                    break  # a following '\n' may still arrive: keep '\r' until then
                end = i + 2 if self._buffer[i + 1] == '\n' else i + 1
            else:
                end = i + 1
            line = self._buffer[:i]
            self._buffer = self._buffer[end:]
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> Optional[Tuple[str, str]]:
        if line == '':
            if not self._data:
                self._event = ''
                return None
            event = (self._event or 'message', '\n'.join(self._data))
            self._event = ''
            self._data = []
            return event
        if line.startswith(':'):
            return None
        name, _, value = line.partition(':')
        if value.startswith(' '):
            value = value[1:]
        if name == 'event':
            self._event = value
        elif name == 'data':
            self._data.append(value)
        return None


class EventReader:
    """Turns the raw bytes of a chat stream into typed events, up to and including the final done or error event."""

    def __init__(self) -> None:
        self._decoder = SSEDecoder()
        self.final: Optional[StreamEvent] = None

    def feed(self, chunk: bytes) -> List[StreamEvent]:
        events: List[StreamEvent] = []
        for name, data in self._decoder.feed(chunk):
            if self.final is not None:
                break
            try:
                event = parse_event(name, data)
            except ValueError as exc:
                raise RapportError(f'Unexpected stream event from the server: {exc}', 200) from None
            if event is None:
                continue
            if isinstance(event, (DoneEvent, ErrorEvent)):
                self.final = event
            events.append(event)
        return events

    def response(self) -> ChatResponse:
        """The done event's ChatResponse; StreamError for an error event, a connection error for a cut stream."""
        if isinstance(self.final, DoneEvent):
            return self.final.response
        if isinstance(self.final, ErrorEvent):
            raise StreamError(self.final.message)
        raise RapportConnectionError('The stream ended before its done event')
