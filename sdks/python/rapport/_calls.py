"""One description per SDK route (SPEC §4): method, path, query, body and how to read the answer.

Both clients turn these into HTTP requests, so the sync and asyncio surfaces cannot drift apart.
"""
from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any, Callable, Dict, Generic, List, Optional, TypeVar
from urllib.parse import quote, urlencode

from ._core import API_PREFIX
from .models import (ChatHistory, ChatResponse, KeyValidation, MachineInfo, Persona, ResetResponse,
                     SessionInit, SessionStatus, from_dict, list_from)

T = TypeVar('T')


@dataclasses.dataclass(frozen=True)
class Call(Generic[T]):
    """A request to make (and retry as one unit: the Idempotency-Key is fixed here, once)."""
    method: str
    path: str
    parse: Callable[[Any], T]
    body: Optional[bytes] = None
    idempotency_key: Optional[str] = None
    headers: Dict[str, str] = dataclasses.field(default_factory=dict, repr=False)


def _path(persona_id: str, action: str, query: Dict[str, Optional[str]]) -> str:
    if not isinstance(persona_id, str) or not persona_id:
        raise ValueError('persona_id must be a non-empty string')
    path = f'{API_PREFIX}/chat/{quote(persona_id, safe="")}/{action}'
    pairs = [(k, v) for k, v in query.items() if v is not None]
    return f'{path}?{urlencode(pairs)}' if pairs else path


def _json(body: Dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode('utf-8')


def _key(idempotency_key: Optional[str]) -> str:
    return idempotency_key or str(uuid.uuid4())


def list_personas() -> Call[List[Persona]]:
    return Call('GET', API_PREFIX + '/personas', lambda data: list_from(Persona, data))


def list_machines(persona_id: str, user_session_id: str) -> Call[List[MachineInfo]]:
    path = _path(persona_id, 'machines', {'user_session_id': user_session_id})
    return Call('GET', path, lambda data: list_from(MachineInfo, data))


def init_session(persona_id: str, user_session_id: str, player_name: str, player_gender: str,
                 machine_id: Optional[str], idempotency_key: Optional[str]) -> Call[SessionInit]:
    body = {'user_session_id': user_session_id, 'player_name': player_name, 'player_gender': player_gender}
    return Call('POST', _path(persona_id, 'init-session', {'machine_id': machine_id}),
                lambda data: from_dict(SessionInit, data), _json(body), _key(idempotency_key))


def send_message(persona_id: str, message: str, user_session_id: str, machine_id: Optional[str],
                 idempotency_key: Optional[str]) -> Call[ChatResponse]:
    body = {'message': message, 'user_session_id': user_session_id}
    return Call('POST', _path(persona_id, 'message', {'machine_id': machine_id}),
                lambda data: from_dict(ChatResponse, data), _json(body), _key(idempotency_key))


def stream_message(persona_id: str, message: str, user_session_id: str, machine_id: Optional[str],
                   idempotency_key: Optional[str]) -> Call[None]:
    body = {'message': message, 'user_session_id': user_session_id}
    return Call('POST', _path(persona_id, 'message/stream', {'machine_id': machine_id}),
                lambda data: None, _json(body), _key(idempotency_key))


def get_session(persona_id: str, user_session_id: str, machine_id: Optional[str]) -> Call[SessionStatus]:
    path = _path(persona_id, 'session', {'user_session_id': user_session_id, 'machine_id': machine_id})
    return Call('GET', path, lambda data: from_dict(SessionStatus, data))


def get_history(persona_id: str, user_session_id: str, machine_id: Optional[str],
                include_trace: bool) -> Call[ChatHistory]:
    query = {'user_session_id': user_session_id, 'machine_id': machine_id,
             'include_trace': 'true' if include_trace else None}
    return Call('GET', _path(persona_id, 'history', query), lambda data: from_dict(ChatHistory, data))


def reset(persona_id: str, user_session_id: str, machine_id: Optional[str],
          idempotency_key: Optional[str]) -> Call[ResetResponse]:
    path = _path(persona_id, 'reset', {'user_session_id': user_session_id, 'machine_id': machine_id})
    return Call('POST', path, lambda data: from_dict(ResetResponse, data), None, _key(idempotency_key))


def validate_llm_key(model: Optional[str], llm_api_key: Optional[str]) -> Call[KeyValidation]:
    headers = {'X-LLM-API-Key': llm_api_key} if llm_api_key else {}
    body = _json({'model': model}) if model else None
    return Call('POST', API_PREFIX + '/validate-llm-key', lambda data: from_dict(KeyValidation, data), body, None, headers)
