"""Response models as dataclasses, field for field the wire's snake_case JSON (openapi/openapi.json).

Optional values are None (the server sends null, never omits them); unknown fields are ignored so a
newer server does not break an older SDK. Timestamps stay ISO 8601 strings, as on the wire.
"""
from __future__ import annotations

import dataclasses
import typing
from typing import Any, Dict, List, Optional, Type, TypeVar

T = TypeVar('T')


@dataclasses.dataclass(frozen=True)
class Persona:
    """A published persona of the API key's owner (personas.list)."""
    id: str
    name: str
    description: str
    created_at: str
    updated_at: str


@dataclasses.dataclass(frozen=True)
class SessionInit:
    """A started session and the NPC's greeting (chat.init_session)."""
    session_id: str
    user_session_id: str
    persona_name: str
    persona_description: str
    player_name: str
    player_gender: str
    message: str
    machine_id: str


@dataclasses.dataclass(frozen=True)
class UnlockedMachine:
    """A machine newly unlocked for the player by completing the current one."""
    machine_id: str
    machine_key: str
    name: str
    is_auto_advance: bool


@dataclasses.dataclass(frozen=True)
class StreamMetadata:
    """The `metadata` event of a stream: the turn's result without the reply text."""
    current_state: str
    score: int
    outcome: Optional[str]
    decision: Optional[str]
    follow_up: bool
    session_id: str
    scoring_mode: str
    redirect_count: int
    machine_completed: bool
    unlocked_machines: Optional[List[UnlockedMachine]]


@dataclasses.dataclass(frozen=True)
class ChatResponse:
    """The result of one conversation turn (chat.send_message, and the `done` event of a stream)."""
    message: str
    current_state: str
    score: int
    outcome: Optional[str]
    decision: Optional[str]
    follow_up: bool
    session_id: str
    scoring_mode: str
    redirect_count: int
    machine_completed: bool
    unlocked_machines: Optional[List[UnlockedMachine]]


@dataclasses.dataclass(frozen=True)
class SessionStatus:
    """The state of a session (chat.get_session)."""
    session_id: str
    persona_id: str
    machine_id: str
    current_state: str
    score: int
    outcome: Optional[str]
    player_name: str
    player_gender: str
    started_at: str
    last_message_at: Optional[str]


@dataclasses.dataclass(frozen=True)
class StepUsage:
    """One LLM call of a turn: model, tokens and latency."""
    model: str
    tokens_in: int
    tokens_out: int
    latency_ms: int


@dataclasses.dataclass(frozen=True)
class TraceSteps:
    """The LLM calls of a turn (evaluate is absent on the greeting, extract when it did not run)."""
    reply: StepUsage
    evaluate: Optional[StepUsage] = None
    extract: Optional[StepUsage] = None


@dataclasses.dataclass(frozen=True)
class TurnTrace:
    """How a turn was decided and what it cost (history with include_trace, persona owner only)."""
    transition_id: Optional[str]
    decision: Optional[str]
    evaluator_reason: Optional[str]
    fallback: bool
    steps: TraceSteps


@dataclasses.dataclass(frozen=True)
class HistoryMessage:
    """One message of a session, oldest first in ChatHistory.messages."""
    id: str
    role: str
    content: str
    state_key_at_time: Optional[str]
    score_at_time: Optional[int]
    decision: Optional[str]
    follow_up_triggered: bool
    created_at: str
    trace: Optional[TurnTrace] = None


@dataclasses.dataclass(frozen=True)
class ChatHistory(SessionStatus):
    """A session's state and its messages (chat.get_history)."""
    messages: List[HistoryMessage] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ResetResponse:
    """The deleted session's id and a confirmation (chat.reset)."""
    session_id: str
    message: str


@dataclasses.dataclass(frozen=True)
class MachineInfo:
    """A machine available to the player (machines.list)."""
    machine_id: str
    machine_key: str
    name: str
    description: str
    has_session: bool
    session_outcome: Optional[str]
    is_linked: bool


@dataclasses.dataclass(frozen=True)
class KeyValidation:
    """Whether the provider accepted an LLM key for a model (validate_llm_key)."""
    valid: bool
    model: str
    error: Optional[str]


_hints_cache: Dict[type, Dict[str, Any]] = {}


def from_dict(cls: Type[T], data: Any) -> T:
    """Builds a model from decoded JSON, checking every field's type; raises ValueError on a mismatch."""
    if not isinstance(data, dict):
        raise ValueError(f'{cls.__name__}: expected an object, got {type(data).__name__}')
    hints = _hints_cache.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _hints_cache[cls] = hints
    values: Dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _convert(hints[f.name], data[f.name], f'{cls.__name__}.{f.name}')
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f'{cls.__name__}: missing field {f.name!r}')
    return cls(**values)


def list_from(cls: Type[T], data: Any) -> List[T]:
    """Builds a list of models from a decoded JSON array."""
    if not isinstance(data, list):
        raise ValueError(f'expected an array of {cls.__name__}, got {type(data).__name__}')
    return [from_dict(cls, item) for item in data]


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f'{where}: expected an array')
        (item_type,) = typing.get_args(tp)
        return [_convert(item_type, v, where) for v in value]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f'{where}: expected an integer')
    if tp in (str, bool) and not isinstance(value, tp):
        raise ValueError(f'{where}: expected {tp.__name__}')
    return value
