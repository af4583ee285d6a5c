"""Replays sdks/conformance/scenario.json (format in sdks/conformance/README.md) against the launcher."""
from __future__ import annotations

import dataclasses
import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCENARIO = os.path.join(REPO, 'sdks', 'conformance', 'scenario.json')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.I)


class Launcher:
    """`npx tsx sdks/conformance/server.ts`: waits for its one JSON line; stopped by closing its stdin."""

    def __init__(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(['npx', 'tsx', 'sdks/conformance/server.ts'], cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, start_new_session=True)
        lines: 'queue.Queue[bytes]' = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
        try:
            line = lines.get(timeout=180)
            self.info: Dict[str, Any] = json.loads(line)
        except (queue.Empty, ValueError):
            self.stop()
            self._stderr.seek(0)
            raise RuntimeError('conformance launcher did not start: ' + self._stderr.read().decode()[-2000:])

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()


def substitute(value: Any, variables: Dict[str, Any]) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r'\$\{(\w+)\}', value)
        return variables[m.group(1)] if m else value
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def mismatch(actual: Any, expected: Any, where: str = '$') -> Optional[str]:
    """None when `actual` (wire JSON) matches the matcher `expected`, else where and why it does not."""
    if isinstance(expected, dict) and any(k.startswith('$') for k in expected):
        return _special(actual, expected, where)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f'{where}: expected an object, got {actual!r}'
        for key, sub in expected.items():
            if key not in actual:
                if isinstance(sub, dict) and sub.get('$absent') is True:
                    continue
                return f'{where}.{key}: missing'
            problem = mismatch(actual[key], sub, f'{where}.{key}')
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f'{where}: expected {len(expected)} elements, got {actual!r}'
        for i, (a, e) in enumerate(zip(actual, expected)):
            problem = mismatch(a, e, f'{where}[{i}]')
            if problem:
                return problem
        return None
    if expected is None:
        same = actual is None
    elif isinstance(expected, bool):
        same = isinstance(actual, bool) and actual == expected
    elif isinstance(expected, (int, float)):
        same = _number(actual) and actual == expected
    else:
        same = actual == expected
    return None if same else f'{where}: expected {expected!r}, got {actual!r}'


def _special(actual: Any, expected: Dict[str, Any], where: str) -> Optional[str]:
    if '$type' in expected:
        ok = {
            'string': lambda v: isinstance(v, str),
            'nonempty_string': lambda v: isinstance(v, str) and v != '',
            'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
            'boolean': lambda v: isinstance(v, bool),
            'uuid': lambda v: isinstance(v, str) and bool(UUID.match(v)),
            'timestamp': _is_timestamp,
        }[expected['$type']](actual)
        return None if ok else f'{where}: expected a {expected["$type"]}, got {actual!r}'
    if '$absent' in expected:
        return None if actual is None else f'{where}: expected absent, got {actual!r}'
    if '$gte' in expected:
        ok = _number(actual) and actual >= expected['$gte']
        return None if ok else f'{where}: expected >= {expected["$gte"]}, got {actual!r}'
    if '$between' in expected:
        low, high = expected['$between']
        ok = _number(actual) and low <= actual <= high
        return None if ok else f'{where}: expected between {low} and {high}, got {actual!r}'
    if '$length' in expected:
        if not isinstance(actual, list) or len(actual) != expected['$length']:
            return f'{where}: expected {expected["$length"]} elements, got {actual!r}'
        for key, index in (('$first', 0), ('$last', -1)):
            if key in expected:
                problem = mismatch(actual[index], expected[key], f'{where}[{index}]')
                if problem:
                    return problem
        return None
    return f'{where}: unknown matcher {expected!r}'


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace('Z', '+00:00'))
        return True
    except ValueError:
        return False


def wire(value: Any) -> Any:
    """A result as wire JSON: dataclasses to dicts, lists element by element."""
    if isinstance(value, list):
        return [wire(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def event_wire(event: Any) -> Tuple[str, Any]:
    if event.type == 'metadata':
        return 'metadata', dataclasses.asdict(event.metadata)
    if event.type == 'text_delta':
        return 'text_delta', {'text': event.text}
    if event.type == 'done':
        return 'done', dataclasses.asdict(event.response)
    return 'error', {'error': {'message': event.message}}


def events_problem(events: List[Tuple[str, Any]], expected: Dict[str, Any]) -> Optional[str]:
    names = [name for name, _ in events]
    if not names or names[0] != 'metadata' or names.count('metadata') != 1:
        return f'expected exactly one metadata event, first: {names}'
    if names[-1] != expected['last'] or any(n != 'text_delta' for n in names[1:-1]):
        return f'expected metadata, text_delta… then {expected["last"]}: {names}'
    deltas = [data['text'] for name, data in events if name == 'text_delta']
    if len(deltas) < expected['min_text_deltas']:
        return f'expected at least {expected["min_text_deltas"]} text deltas, got {len(deltas)}'
    metadata, last = events[0][1], events[-1][1]
    if expected['last'] == 'done':
        if ''.join(deltas) != last['message']:
            return f'deltas {deltas!r} do not join to done.message {last["message"]!r}'
        if metadata != {k: v for k, v in last.items() if k != 'message'}:
            return f'metadata {metadata!r} differs from done without message'
    for key, data in (('metadata', metadata), (expected['last'], last)):
        if key in expected:
            problem = mismatch(data, expected[key], key)
            if problem:
                return problem
    return None


def counters(info: Dict[str, Any]) -> Dict[str, int]:
    with urllib.request.urlopen(info['control_url'] + '/counters', timeout=10) as res:
        return json.loads(res.read())  # type: ignore[no-any-return]


def dig(value: Any, path: str) -> Any:
    for part in path.split('.'):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def replay(info: Dict[str, Any], run_step: Callable[[Dict[str, Any], str, Dict[str, Any]], Any],
           check: Callable[[str, Optional[str]], None]) -> int:
    """Runs every step: run_step(client_options, op, args) returns the result or raises; check(step_id, problem)."""
    with open(SCENARIO, encoding='utf-8') as f:
        scenario = json.load(f)
    variables: Dict[str, Any] = dict(info)
    for step in scenario['steps']:
        options = substitute({**scenario['default_client'], **step.get('client', {})}, variables)
        args = substitute(step.get('args', {}), variables)
        expect = substitute(step['expect'], variables)
        before = counters(info) if 'counters' in expect else {}
        started = time.monotonic()
        result: Any = None
        error: Optional[BaseException] = None
        try:
            result = run_step(options, step['op'], args)
        except Exception as exc:  # the step's expectation decides whether an error is right
            error = exc
        elapsed_ms = (time.monotonic() - started) * 1000
        problem = _outcome_problem(step['op'], expect, result, error)
        if problem is None and 'counters' in expect:
            after = counters(info)
            grown = {k: after[k] - before[k] for k in expect['counters']}
            if grown != expect['counters']:
                problem = f'counters grew by {grown}, expected {expect["counters"]}'
        if problem is None and 'elapsed_ms' in expect:
            problem = mismatch(elapsed_ms, expect['elapsed_ms'], 'elapsed_ms')
        if problem is None and 'save' in step:
            for name, path in step['save'].items():
                variables[name] = dig(wire(result), path)
        check(step['id'], problem)
    return len(scenario['steps'])


def _outcome_problem(op: str, expect: Dict[str, Any], result: Any, error: Optional[BaseException]) -> Optional[str]:
    if 'error' in expect:
        if error is None:
            return f'expected {expect["error"]["type"]}, got result {wire(result)!r}'
        names = [c.__name__ for c in type(error).__mro__]
        want = expect['error']
        if want['type'] not in names:
            return f'expected {want["type"]}, got {type(error).__name__}: {error}'
        actual = {'type': want['type'], 'status_code': getattr(error, 'status_code', None),
                  'message': getattr(error, 'message', None), 'retry_after': getattr(error, 'retry_after', None)}
        return mismatch(actual, want, 'error')
    if error is not None:
        return f'unexpected {type(error).__name__}: {error}'
    if 'events' in expect:
        return events_problem([event_wire(e) for e in result], expect['events'])
    return mismatch(wire(result), expect['result'], 'result')
