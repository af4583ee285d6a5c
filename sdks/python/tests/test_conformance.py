"""Both clients replay the shared conformance scenario against a live Rapport (the launcher in
sdks/conformance), and the README's first example runs there as written."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import unittest
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from conformance import Launcher, replay  # noqa: E402

from rapport import AsyncRapportClient, BadRequestError, DoneEvent, RapportClient, TextDeltaEvent  # noqa: E402

SDK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
launcher: Optional[Launcher] = None


def setUpModule() -> None:
    global launcher
    launcher = Launcher()


def tearDownModule() -> None:
    if launcher is not None:
        launcher.stop()


def split(args: Dict[str, Any]) -> Any:
    rest = dict(args)
    persona = rest.pop('persona_id', None)
    return ([persona] if persona is not None else []), rest


def run_sync(options: Dict[str, Any], op: str, args: Dict[str, Any]) -> Any:
    client = RapportClient(**options)
    positional, kwargs = split(args)
    if op == 'chat.stream_message':
        return list(client.chat.stream_message(*positional, **kwargs))
    if op == 'chat.stream_message_final':
        return client.chat.stream_message(*positional, **kwargs).final_response()
    target: Any = client
    for part in op.split('.'):
        target = getattr(target, part)
    return target(*positional, **kwargs)


async def run_async(options: Dict[str, Any], op: str, args: Dict[str, Any]) -> Any:
    client = AsyncRapportClient(**options)
    positional, kwargs = split(args)
    if op == 'chat.stream_message':
        return [event async for event in client.chat.stream_message(*positional, **kwargs)]
    if op == 'chat.stream_message_final':
        return await client.chat.stream_message(*positional, **kwargs).final_response()
    target: Any = client
    for part in op.split('.'):
        target = getattr(target, part)
    return await target(*positional, **kwargs)


class SyncReplay(unittest.TestCase):
    def test_the_sync_client_passes_every_step(self) -> None:
        assert launcher is not None
        self.assertGreater(replay(launcher.info, run_sync, self.check), 20)

    def check(self, step: str, problem: Optional[str]) -> None:
        with self.subTest(step=step):
            self.assertIsNone(problem)


class AsyncReplay(unittest.TestCase):
    """A second, fresh environment: the scenario changes the player's progress, so it cannot run twice."""

    def test_the_asyncio_client_passes_every_step(self) -> None:
        own = Launcher()
        try:
            steps = replay(own.info, lambda o, op, a: asyncio.run(run_async(o, op, a)), self.check)
        finally:
            own.stop()
        self.assertGreater(steps, 20)

    def check(self, step: str, problem: Optional[str]) -> None:
        with self.subTest(step=step):
            self.assertIsNone(problem)


class IdempotencyAgainstRapport(unittest.TestCase):
    """The key the SDK sends makes Rapport apply a repeated message once (SPEC §10)."""

    def test_a_message_repeated_with_its_key_is_applied_once(self) -> None:
        assert launcher is not None
        info = launcher.info
        client = RapportClient(api_key=info['api_key'], base_url=info['base_url'], llm_api_key=info['llm_api_key'],
                               llm_model=info['llm_model'])
        persona, player = info['persona_id'], 'idempotency-player'
        client.chat.init_session(persona, user_session_id=player, player_name='Ada', player_gender='female')
        first = client.chat.send_message(persona, user_session_id=player, message='[pass] Ada.', idempotency_key='k-1')
        again = client.chat.send_message(persona, user_session_id=player, message='[pass] Ada.', idempotency_key='k-1')
        self.assertEqual(again, first)
        self.assertEqual((first.decision, first.score), ('pass', 1))
        history = client.chat.get_history(persona, user_session_id=player)
        self.assertEqual((history.score, len(history.messages)), (1, 3))
        with self.assertRaises(BadRequestError):
            client.chat.send_message(persona, user_session_id=player, message='[pass] Other.', idempotency_key='k-1')
        streamed = list(client.chat.stream_message(persona, user_session_id=player, message='Hi', idempotency_key='s'))
        replayed = list(client.chat.stream_message(persona, user_session_id=player, message='Hi', idempotency_key='s'))
        self.assertEqual([e.type for e in replayed], ['metadata', 'text_delta', 'done'])
        delta, done = replayed[1], streamed[-1]
        assert isinstance(delta, TextDeltaEvent) and isinstance(done, DoneEvent)
        self.assertEqual(delta.text, done.response.message)
        self.assertEqual(replayed[-1], streamed[-1])

    def test_the_asyncio_client_gets_the_stored_turn_too(self) -> None:
        assert launcher is not None
        info = launcher.info
        persona, player = info['persona_id'], 'idempotency-player-async'

        async def go() -> Any:
            client = AsyncRapportClient(api_key=info['api_key'], base_url=info['base_url'],
                                        llm_api_key=info['llm_api_key'], llm_model=info['llm_model'])
            await client.chat.init_session(persona, user_session_id=player, player_name='Ada', player_gender='male')
            first = await client.chat.send_message(persona, user_session_id=player, message='[pass] Ada.',
                                                   idempotency_key='k-2')
            again = await client.chat.send_message(persona, user_session_id=player, message='[pass] Ada.',
                                                   idempotency_key='k-2')
            session = await client.chat.get_session(persona, user_session_id=player)
            return first, again, session
        first, again, session = asyncio.run(go())
        self.assertEqual(again, first)
        self.assertEqual(session.score, 1)


class ReadmeExample(unittest.TestCase):
    def test_the_first_readme_example_runs_as_written(self) -> None:
        assert launcher is not None
        info = launcher.info
        with open(os.path.join(SDK_DIR, 'README.md'), encoding='utf-8') as f:
            code = re.search(r'```python\n(.*?)```', f.read(), re.S).group(1)  # type: ignore[union-attr]
        self.assertLessEqual(len(code.strip().splitlines()), 15)
        env = {**os.environ, 'RAPPORT_API_KEY': info['api_key'], 'RAPPORT_BASE_URL': info['base_url'],
               'RAPPORT_LLM_API_KEY': info['llm_api_key'], 'RAPPORT_LLM_MODEL': info['llm_model'],
               'PYTHONPATH': SDK_DIR}
        out = subprocess.run([sys.executable, '-c', code], env=env, cwd=SDK_DIR, capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines: List[str] = out.stdout.splitlines()
        self.assertEqual(lines[0], 'Evening. Name, and what brings you to my door?')
        self.assertEqual(lines[1], 'Vex looks you over. Keep talking, friend. approach 0')
        self.assertEqual(lines[2:], ['Vex looks you over. Keep talking, friend.', 'score: 0'])
