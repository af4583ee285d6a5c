"""A scripted stand-in for a Rapport server on 127.0.0.1: queued answers, recorded requests."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple, Union

# one step of a streamed answer: bytes to send (flushed at once), or an event to wait for first
Step = Union[bytes, threading.Event]


class Recorded:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode('utf-8'))


class Answer:
    def __init__(self, status: int, body: Any = None, headers: Optional[Dict[str, str]] = None,
                 steps: Optional[List[Step]] = None, chunked: bool = True, hold: Optional[threading.Event] = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.steps = steps
        self.chunked = chunked
        self.hold = hold


class FakeRapport:
    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self.client_gone = threading.Event()  # set when a stream's reader hung up before its end
        self._answers: List[Answer] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append(Recorded(self.command, self.path, headers, body))
                    answer = fake._answers.pop(0) if fake._answers else Answer(500, error('no scripted answer'))
                fake.write(self, answer)

            do_GET = _serve
            do_POST = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up on purpose (timeouts, closed streams) is not a test failure

        self.server = Server(('127.0.0.1', 0), Handler)
        self.base_url = f'http://127.0.0.1:{self.server.server_address[1]}'
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self._answers.extend(answers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def write(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        if answer.hold is not None:
            answer.hold.wait(10)
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.send_header('Connection', 'close')
        handler.close_connection = True
        if answer.steps is None:
            raw = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode('utf-8')
            handler.send_header('Content-Type', 'application/json; charset=utf-8')
            handler.send_header('Content-Length', str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
            return
        handler.send_header('Content-Type', 'text/event-stream')
        if answer.chunked:
            handler.send_header('Transfer-Encoding', 'chunked')
        handler.end_headers()
        handler.wfile.flush()
        try:
            self._steps(handler, answer)
        except (BrokenPipeError, ConnectionResetError):
            self.client_gone.set()

    def _steps(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        assert answer.steps is not None
        for step in answer.steps:
            if isinstance(step, threading.Event):
                if step.wait(5):
                    continue
                # the client did not act on the events sent so far (it buffers): end the stream with an error
                step = sse('error', error('gate not released: events were not delivered as they arrived'))
            handler.wfile.write(b'%x\r\n%s\r\n' % (len(step), step) if answer.chunked else step)
            handler.wfile.flush()
            if b'gate not released' in step:
                break
        if answer.chunked:
            handler.wfile.write(b'0\r\n\r\n')


def error(message: str) -> Dict[str, Any]:
    return {'error': {'message': message}}


def sse(name: str, data: Any) -> bytes:
    return f'event: {name}\ndata: {json.dumps(data)}\n\n'.encode('utf-8')


def chat_response(message: Optional[str] = 'Welcome in.', **overrides: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        'message': message, 'current_state': 'door', 'score': 5, 'outcome': None, 'decision': 'pass',
        'follow_up': False, 'session_id': '9b2f1f2e-3a43-4b8e-8a53-2b6f4d7f0c11', 'scoring_mode': 'scoring',
        'redirect_count': 0, 'machine_completed': False, 'unlocked_machines': None,
    }
    body.update(overrides)
    if message is None:
        del body['message']
    return body


def stream_steps(deltas: Tuple[str, ...] = ('Wel', 'come ', 'in.'), gate: Optional[threading.Event] = None,
                 final: str = 'done') -> List[Step]:
    steps: List[Step] = [sse('metadata', chat_response(None))]
    if gate is not None:
        steps.append(gate)
    steps += [sse('text_delta', {'text': d}) for d in deltas]
    if final == 'done':
        steps.append(sse('done', chat_response(''.join(deltas))))
    elif final == 'error':
        steps.append(sse('error', error('LLM provider error')))
    return steps
