"""The SSE decoder on awkward chunk boundaries, and typed event parsing."""
from __future__ import annotations

import json
import os
import sys
import unittest
from typing import List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rapport.events import DoneEvent, ErrorEvent, SSEDecoder, TextDeltaEvent, parse_event  # noqa: E402


def feed_bytewise(data: bytes) -> List[Tuple[str, str]]:
    decoder = SSEDecoder()
    events: List[Tuple[str, str]] = []
    for i in range(len(data)):
        events += decoder.feed(data[i:i + 1])
    return events


class SSEDecoderTest(unittest.TestCase):
    def test_events_split_anywhere_decode_the_same(self) -> None:
        raw = 'event: text_delta\r\ndata: {"text": "héllo ✓"}\r\n\r\n: comment\n\nevent: done\ndata: {}\n\n'.encode()
        expected = [('text_delta', '{"text": "héllo ✓"}'), ('done', '{}')]
        self.assertEqual(SSEDecoder().feed(raw), expected)
        self.assertEqual(feed_bytewise(raw), expected)

    def test_multi_line_data_default_name_and_bare_cr(self) -> None:
        decoder = SSEDecoder()
        self.assertEqual(decoder.feed(b'data: a\rdata:b\r'), [])
        self.assertEqual(decoder.feed(b'\r:'), [('message', 'a\nb')])

    def test_an_unfinished_event_is_not_dispatched(self) -> None:
        self.assertEqual(SSEDecoder().feed(b'event: done\ndata: {}\n'), [])


class ParseEventTest(unittest.TestCase):
    def test_typed_events(self) -> None:
        self.assertEqual(parse_event('text_delta', '{"text":"hi"}'), TextDeltaEvent('hi'))
        err = parse_event('error', '{"error":{"message":"LLM provider error"}}')
        self.assertEqual(err, ErrorEvent('LLM provider error'))
        self.assertIsNone(parse_event('ping', '{}'))
        done = {'message': 'm', 'current_state': 's', 'score': 1, 'outcome': 'ACCEPT', 'decision': None,
                'follow_up': False, 'session_id': 'x', 'scoring_mode': 'scoring', 'redirect_count': 0,
                'machine_completed': True, 'extra': 1,
                'unlocked_machines': [{'machine_id': 'a', 'machine_key': 'vip', 'name': 'VIP', 'is_auto_advance': True}]}
        event = parse_event('done', json.dumps(done))
        assert isinstance(event, DoneEvent)
        self.assertEqual(event.response.unlocked_machines[0].machine_key, 'vip')  # type: ignore[index]

    def test_wrong_shapes_are_refused(self) -> None:
        for name, data in (('text_delta', '{}'), ('done', '[]'), ('done', '{"message": 1}'), ('metadata', 'x')):
            with self.assertRaises(ValueError):
                parse_event(name, data)

    def test_booleans_are_not_integers(self) -> None:
        done = {'message': 'm', 'current_state': 's', 'score': True, 'outcome': None, 'decision': None,
                'follow_up': False, 'session_id': 'x', 'scoring_mode': 'scoring', 'redirect_count': 0,
                'machine_completed': False, 'unlocked_machines': None}
        with self.assertRaises(ValueError):
            parse_event('done', json.dumps(done))


if __name__ == '__main__':
    unittest.main()
