"""Behaviour both clients must show, written once; test_sync_client and test_async_client run it."""
from __future__ import annotations

import threading
import uuid
from typing import Any, Callable, List, Optional
from urllib.parse import parse_qs, urlsplit

from fake_server import Answer, FakeRapport, chat_response, error, stream_steps

from rapport import (AuthenticationError, BadRequestError, ChatHistory, DoneEvent, ErrorEvent, ForbiddenError,
                     MetadataEvent, NotFoundError, RapportConnectionError, RapportError, RapportTimeoutError,
                     RateLimitError, ServerError, StreamError, TextDeltaEvent)

API_KEY = 'pk_live_0123456789abcdef'
LLM_KEY = 'sk-test-llm-key-0123456789'
PERSONA = '0f8b6a52-3a8e-4d0c-9a0e-5c8d2f1e7b11'
PERSONA_BODY = {'id': PERSONA, 'name': 'Sam', 'description': 'Door', 'created_at': '2026-01-01T00:00:00.000Z',
                'updated_at': '2026-01-01T00:00:00.000Z'}


class Harness:
    """Implemented per client kind: make a client, run a call, read a stream."""
    fake: FakeRapport
    delays: List[float]

    def make(self, **options: Any) -> Any:
        raise NotImplementedError

    def call(self, fn: Callable[[Any], Any], client: Any = None) -> Any:
        raise NotImplementedError

    def collect(self, fn: Callable[[Any], Any], on_event: Optional[Callable[[Any], None]] = None) -> List[Any]:
        raise NotImplementedError

    def final(self, fn: Callable[[Any], Any]) -> Any:
        raise NotImplementedError

    def first_then_close(self, fn: Callable[[Any], Any], after_close: Callable[[], Any]) -> Any:
        """Reads one event, closes the stream, and returns (event, after_close()) while the stream still exists."""
        raise NotImplementedError


class ClientCases(Harness):
    assertEqual: Any
    assertTrue: Any
    assertIn: Any
    assertNotIn: Any
    assertIsNone: Any
    assertIsInstance: Any
    assertRaises: Any
    assertLessEqual: Any

    def setUp(self) -> None:
        self.fake = FakeRapport()
        self.delays = []
        self.c = self.make(llm_api_key=LLM_KEY, llm_model='gpt-4o-mini')

    def tearDown(self) -> None:
        self.fake.close()

    def send(self, **kw: Any) -> Callable[[Any], Any]:
        return lambda c: c.chat.send_message(PERSONA, message='Hello', user_session_id='player-1', **kw)

    def stream(self) -> Callable[[Any], Any]:
        return lambda c: c.chat.stream_message(PERSONA, message='Hello', user_session_id='player-1')

    def test_list_personas_sends_the_keys_and_decodes_models(self) -> None:
        self.fake.answer(Answer(200, [PERSONA_BODY]))
        personas = self.call(lambda c: c.personas.list())
        self.assertEqual([p.name for p in personas], ['Sam'])
        req = self.fake.requests[0]
        self.assertEqual((req.method, req.path), ('GET', '/api/v1/sdk/personas'))
        self.assertEqual(req.headers['x-api-key'], API_KEY)
        self.assertEqual(req.headers['content-type'], 'application/json')
        self.assertEqual(req.headers['x-llm-api-key'], LLM_KEY)
        self.assertEqual(req.headers['x-llm-model'], 'gpt-4o-mini')
        self.assertNotIn('idempotency-key', req.headers)

    def test_every_llm_option_maps_to_its_header(self) -> None:
        names = ['eval_model', 'response_model', 'summarization_model', 'eval_api_key', 'response_api_key',
                 'summarization_api_key']
        client = self.make(**{f'llm_{n}': f'value-{n}' for n in names})
        self.fake.answer(Answer(200, []))
        self.call(lambda c: c.personas.list(), client)
        headers = self.fake.requests[0].headers
        for n in names:
            self.assertEqual(headers['x-llm-' + n.replace('_api_key', '-api-key').replace('_model', '-model')],
                             f'value-{n}')
        self.assertNotIn('x-llm-api-key', headers)

    def test_persona_list_is_cached_for_60_seconds(self) -> None:
        now = [1000.0]
        self.c._personas_cache.clock = lambda: now[0]
        self.fake.answer(Answer(200, [PERSONA_BODY]), Answer(200, []), Answer(200, []))
        self.call(lambda c: c.personas.list())
        now[0] += 59
        self.assertEqual(len(self.call(lambda c: c.personas.list())), 1)
        self.assertEqual(len(self.fake.requests), 1)
        now[0] += 2
        self.assertEqual(self.call(lambda c: c.personas.list()), [])
        self.call(lambda c: c.personas.list(refresh=True))
        self.assertEqual(len(self.fake.requests), 3)

    def test_init_session_posts_the_body_and_a_uuid4_idempotency_key(self) -> None:
        greeting = {'session_id': PERSONA, 'user_session_id': 'p1', 'persona_name': 'Sam', 'persona_description': 'd',
                    'player_name': 'Alex', 'player_gender': 'female', 'message': 'Hi', 'machine_id': PERSONA}
        self.fake.answer(Answer(200, greeting))
        init = self.call(lambda c: c.chat.init_session(PERSONA, user_session_id='p1', player_name='Alex',
                                                       player_gender='female', machine_id='m/1'))
        self.assertEqual(init.message, 'Hi')
        req = self.fake.requests[0]
        self.assertEqual(req.path, f'/api/v1/sdk/chat/{PERSONA}/init-session?machine_id=m%2F1')
        self.assertEqual(req.json(), {'user_session_id': 'p1', 'player_name': 'Alex', 'player_gender': 'female'})
        self.assertEqual(uuid.UUID(req.headers['idempotency-key']).version, 4)

    def test_a_message_is_retried_after_a_5xx_with_the_same_idempotency_key(self) -> None:
        self.fake.answer(Answer(500, error('boom')), Answer(200, chat_response()))
        reply = self.call(self.send())
        self.assertEqual(reply.message, 'Welcome in.')
        keys = [r.headers['idempotency-key'] for r in self.fake.requests]
        self.assertEqual(len(keys), 2)
        self.assertEqual(keys[0], keys[1])
        self.assertTrue(0.25 <= self.delays[0] <= 0.5)
        self.fake.answer(Answer(200, chat_response()))
        self.call(self.send())
        self.assertTrue(self.fake.requests[2].headers['idempotency-key'] != keys[0])

    def test_retry_after_is_honoured(self) -> None:
        self.fake.answer(Answer(429, error('slow down'), {'Retry-After': '2'}), Answer(200, chat_response()))
        self.call(self.send())
        self.assertEqual(self.delays, [2.0])

    def test_exhausted_retries_raise_the_typed_error_after_backoff(self) -> None:
        self.fake.answer(*[Answer(503, error('maintenance')) for _ in range(4)])
        with self.assertRaises(ServerError) as caught:
            self.call(self.send())
        self.assertEqual((caught.exception.status_code, caught.exception.message), (503, 'maintenance'))
        self.assertEqual(len(self.fake.requests), 4)
        for delay, (low, high) in zip(self.delays, [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0)]):
            self.assertTrue(low <= delay <= high, delay)
        self.assertEqual(len(self.delays), 3)

    def test_rate_limit_error_carries_retry_after(self) -> None:
        client = self.make(max_retries=1)
        self.fake.answer(*[Answer(429, error('Rate limit exceeded'), {'Retry-After': '7'}) for _ in range(2)])
        with self.assertRaises(RateLimitError) as caught:
            self.call(lambda c: c.personas.list(), client)
        self.assertEqual((caught.exception.status_code, caught.exception.retry_after), (429, 7.0))
        self.assertEqual(len(self.fake.requests), 2)

    def test_client_errors_are_typed_and_not_retried(self) -> None:
        for status, kind in ((400, BadRequestError), (401, AuthenticationError), (403, ForbiddenError),
                             (404, NotFoundError)):
            self.fake.requests.clear()
            self.fake.answer(Answer(status, error(f'status {status}')))
            with self.assertRaises(kind) as caught:
                self.call(self.send())
            self.assertEqual((caught.exception.status_code, caught.exception.message), (status, f'status {status}'))
            self.assertEqual(len(self.fake.requests), 1)
        self.assertEqual(self.delays, [])

    def test_reset_and_validate_send_no_body(self) -> None:
        self.fake.answer(Answer(200, {'session_id': PERSONA, 'message': 'reset'}),
                         Answer(200, {'valid': True, 'model': 'gpt-4o-mini', 'error': None}),
                         Answer(200, {'valid': False, 'model': 'x', 'error': 'Invalid key'}))
        self.call(lambda c: c.chat.reset(PERSONA, user_session_id='p 1'))
        self.assertTrue(self.call(lambda c: c.validate_llm_key()).valid)
        self.call(lambda c: c.validate_llm_key('x', llm_api_key='sk-other-key'))
        reset, plain, other = self.fake.requests
        self.assertEqual((reset.method, reset.path, reset.body), ('POST', f'/api/v1/sdk/chat/{PERSONA}/reset?user_session_id=p+1', b''))
        self.assertEqual(reset.headers['content-type'], 'application/json')
        self.assertIn('idempotency-key', reset.headers)
        self.assertEqual((plain.body, plain.headers['x-llm-api-key']), (b'', LLM_KEY))
        self.assertEqual((other.json(), other.headers['x-llm-api-key']), ({'model': 'x'}, 'sk-other-key'))

    def test_history_with_trace_is_decoded(self) -> None:
        step = {'model': 'gpt-4o-mini', 'tokens_in': 10, 'tokens_out': 3, 'latency_ms': 12}
        message = {'id': PERSONA, 'role': 'assistant', 'content': 'Hi', 'state_key_at_time': 'door',
                   'score_at_time': 0, 'decision': None, 'follow_up_triggered': False, 'created_at': 'now',
                   'trace': {'transition_id': None, 'decision': None, 'evaluator_reason': None, 'fallback': False,
                             'steps': {'reply': step}}}
        body = {'session_id': PERSONA, 'persona_id': PERSONA, 'machine_id': PERSONA, 'current_state': 'door',
                'score': 0, 'outcome': None, 'player_name': 'A', 'player_gender': 'male', 'started_at': 'now',
                'last_message_at': None, 'messages': [message]}
        self.fake.answer(Answer(200, body))
        history = self.call(lambda c: c.chat.get_history(PERSONA, user_session_id='p1', include_trace=True))
        self.assertIsInstance(history, ChatHistory)
        self.assertEqual(history.messages[0].trace.steps.reply.tokens_in, 10)
        self.assertIsNone(history.messages[0].trace.steps.evaluate)
        query = parse_qs(urlsplit(self.fake.requests[0].path).query)
        self.assertEqual(query, {'user_session_id': ['p1'], 'include_trace': ['true']})

    def test_an_unexpected_body_is_a_rapport_error(self) -> None:
        self.fake.answer(Answer(200, {'message': 'no other field'}))
        with self.assertRaises(RapportError) as caught:
            self.call(self.send())
        self.assertIn('missing field', caught.exception.message)

    def test_keys_never_reach_exceptions_or_repr(self) -> None:
        self.fake.answer(Answer(401, error(f'bad key {API_KEY} and {LLM_KEY}')))
        with self.assertRaises(AuthenticationError) as caught:
            self.call(self.send())
        for text in (str(caught.exception), repr(caught.exception), repr(self.c), repr(self.c._options)):
            self.assertNotIn(API_KEY, text)
            self.assertNotIn(LLM_KEY, text)
        self.assertIn('[redacted]', caught.exception.message)

    def test_an_unreachable_server_is_retried_then_a_connection_error(self) -> None:
        port = self.fake.server.server_address[1]
        self.fake.close()
        client = self.make(base_url=f'http://127.0.0.1:{port}')
        with self.assertRaises(RapportConnectionError):
            self.call(lambda c: c.personas.list(), client)
        self.assertEqual(len(self.delays), 3)
        self.fake = FakeRapport()

    def test_a_timeout_is_raised_and_not_retried(self) -> None:
        release = threading.Event()
        client = self.make(timeout=0.2)
        self.fake.answer(Answer(200, [], hold=release))
        try:
            with self.assertRaises(RapportTimeoutError):
                self.call(lambda c: c.personas.list(), client)
        finally:
            release.set()
        self.assertEqual((len(self.fake.requests), self.delays), (1, []))

    def test_a_stream_yields_typed_events_as_they_arrive(self) -> None:
        gate = threading.Event()
        self.fake.answer(Answer(200, steps=stream_steps(gate=gate)))
        events = self.collect(self.stream(), lambda e: gate.set())
        self.assertEqual([e.type for e in events], ['metadata', 'text_delta', 'text_delta', 'text_delta', 'done'])
        self.assertIsInstance(events[0], MetadataEvent)
        self.assertIsInstance(events[1], TextDeltaEvent)
        self.assertIsInstance(events[-1], DoneEvent)
        self.assertEqual(''.join(e.text for e in events[1:-1]), events[-1].response.message)
        req = self.fake.requests[0]
        self.assertEqual(req.headers['accept'], 'text/event-stream')
        self.assertIn('idempotency-key', req.headers)

    def test_final_response_of_a_close_delimited_stream(self) -> None:
        self.fake.answer(Answer(200, steps=stream_steps(), chunked=False))
        self.assertEqual(self.final(self.stream()).message, 'Welcome in.')

    def test_closing_a_stream_early_hangs_up_on_the_server(self) -> None:
        gate = threading.Event()
        self.fake.answer(Answer(200, steps=stream_steps(deltas=('a',) * 50, gate=gate)))

        def after_close() -> bool:
            gate.set()
            return self.fake.client_gone.wait(5)
        first, gone = self.first_then_close(self.stream(), after_close)
        self.assertIsInstance(first, MetadataEvent)
        self.assertTrue(gone)

    def test_a_stream_read_to_its_end_is_not_a_hang_up(self) -> None:
        self.fake.answer(Answer(200, steps=stream_steps()))
        self.assertEqual(len(self.collect(self.stream())), 5)
        self.assertEqual(len(self.fake.requests), 1)
        self.assertTrue(not self.fake.client_gone.is_set())

    def test_a_stream_is_never_retried(self) -> None:
        self.fake.answer(Answer(500, error('LLM provider error')), Answer(200, steps=stream_steps()))
        with self.assertRaises(ServerError):
            self.collect(self.stream())
        self.assertEqual((len(self.fake.requests), self.delays), (1, []))

    def test_an_error_event_ends_the_stream(self) -> None:
        self.fake.answer(Answer(200, steps=stream_steps(final='error')), Answer(200, steps=stream_steps(final='error')))
        events = self.collect(self.stream())
        self.assertIsInstance(events[-1], ErrorEvent)
        self.assertEqual(events[-1].message, 'LLM provider error')
        with self.assertRaises(StreamError) as caught:
            self.final(self.stream())
        self.assertIsInstance(caught.exception, ServerError)
        self.assertEqual((caught.exception.status_code, caught.exception.message), (500, 'LLM provider error'))

    def test_a_stream_cut_short_is_a_connection_error(self) -> None:
        self.fake.answer(Answer(200, steps=stream_steps(final='none')))
        with self.assertRaises(RapportConnectionError):
            self.collect(self.stream())
