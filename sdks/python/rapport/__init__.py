"""Rapport Python SDK: sync and asyncio clients for the Rapport SDK API (standard library only)."""
from ._core import __version__
from .async_client import AsyncMessageStream, AsyncRapportClient
from .client import MessageStream, RapportClient
from .errors import (AuthenticationError, BadRequestError, ForbiddenError, NotFoundError, RapportConnectionError,
                     RapportError, RapportTimeoutError, RateLimitError, ServerError, StreamError)
from .events import DoneEvent, ErrorEvent, MetadataEvent, StreamEvent, TextDeltaEvent
from .models import (ChatHistory, ChatResponse, HistoryMessage, KeyValidation, MachineInfo, Persona, ResetResponse,
                     SessionInit, SessionStatus, StepUsage, StreamMetadata, TraceSteps, TurnTrace, UnlockedMachine)

__all__ = [
    '__version__', 'RapportClient', 'AsyncRapportClient', 'MessageStream', 'AsyncMessageStream',
    'RapportError', 'BadRequestError', 'AuthenticationError', 'ForbiddenError', 'NotFoundError', 'RateLimitError',
    'ServerError', 'RapportConnectionError', 'RapportTimeoutError', 'StreamError',
    'StreamEvent', 'MetadataEvent', 'TextDeltaEvent', 'DoneEvent', 'ErrorEvent',
    'Persona', 'SessionInit', 'ChatResponse', 'UnlockedMachine', 'StreamMetadata', 'SessionStatus', 'ChatHistory',
    'HistoryMessage', 'TurnTrace', 'TraceSteps', 'StepUsage', 'ResetResponse', 'MachineInfo', 'KeyValidation',
]
