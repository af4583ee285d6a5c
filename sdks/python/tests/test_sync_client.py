"""The blocking client against the scripted fake server."""
from __future__ import annotations

import os
import sys
import unittest
from typing import Any, Callable, List, Optional

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from client_cases import API_KEY, ClientCases  # noqa: E402

from rapport import RapportClient  # noqa: E402


class SyncClientTest(ClientCases, unittest.TestCase):
    def make(self, **options: Any) -> Any:
        options.setdefault('base_url', self.fake.base_url)
        client = RapportClient(api_key=API_KEY, **options)
        client._sleep = self.delays.append
        return client

    def call(self, fn: Callable[[Any], Any], client: Any = None) -> Any:
        return fn(client or self.c)

    def collect(self, fn: Callable[[Any], Any], on_event: Optional[Callable[[Any], None]] = None) -> List[Any]:
        events = []
        for event in fn(self.c):
            events.append(event)
            if on_event:
                on_event(event)
        return events

    def final(self, fn: Callable[[Any], Any]) -> Any:
        return fn(self.c).final_response()

    def first_then_close(self, fn: Callable[[Any], Any], after_close: Callable[[], Any]) -> Any:
        stream = fn(self.c)
        first = next(stream)
        stream.close()
        return first, after_close()


if __name__ == '__main__':
    unittest.main()
