"""The asyncio client against the scripted fake server, plus what only it must do: not block the loop."""
from __future__ import annotations

import asyncio
import os
import sys
import threading
import unittest
from typing import Any, Callable, List, Optional

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from client_cases import API_KEY, PERSONA_BODY, ClientCases  # noqa: E402
from fake_server import Answer  # noqa: E402

from rapport import AsyncRapportClient  # noqa: E402


class AsyncClientTest(ClientCases, unittest.TestCase):
    def make(self, **options: Any) -> Any:
        options.setdefault('base_url', self.fake.base_url)
        client = AsyncRapportClient(api_key=API_KEY, **options)

        async def sleep(delay: float) -> None:
            self.delays.append(delay)
        client._sleep = sleep
        return client

    def call(self, fn: Callable[[Any], Any], client: Any = None) -> Any:
        async def go() -> Any:
            return await fn(client or self.c)
        return asyncio.run(go())

    def collect(self, fn: Callable[[Any], Any], on_event: Optional[Callable[[Any], None]] = None) -> List[Any]:
        async def go() -> List[Any]:
            events = []
            async for event in fn(self.c):
                events.append(event)
                if on_event:
                    on_event(event)
            return events
        return asyncio.run(go())

    def final(self, fn: Callable[[Any], Any]) -> Any:
        return asyncio.run(fn(self.c).final_response())

    def first_then_close(self, fn: Callable[[Any], Any], after_close: Callable[[], Any]) -> Any:
        async def go() -> Any:
            stream = fn(self.c)
            first = await stream.__anext__()
            await stream.aclose()
            return first, after_close()
        return asyncio.run(go())

    def test_a_request_in_flight_does_not_block_the_event_loop(self) -> None:
        # the server answers only once another coroutine on the same loop has run: a blocking client
        # would hold the loop, the release would never come, and the call would time out
        release = threading.Event()
        self.fake.answer(Answer(200, [PERSONA_BODY], hold=release))
        client = self.make(timeout=5)

        async def other() -> None:
            while not self.fake.requests:
                await asyncio.sleep(0.01)
            release.set()

        async def go() -> Any:
            personas, _ = await asyncio.gather(client.personas.list(), other())
            return personas
        self.assertEqual(asyncio.run(go())[0].name, 'Sam')


if __name__ == '__main__':
    unittest.main()
