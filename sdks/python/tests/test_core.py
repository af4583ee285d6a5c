"""Options, headers, backoff, Retry-After, base URLs and error mapping, without a network."""
from __future__ import annotations

import os
import sys
import unittest
from email.utils import formatdate
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rapport import (AuthenticationError, BadRequestError, ForbiddenError, NotFoundError, RapportClient,  # noqa: E402
                     RapportError, RateLimitError, ServerError)
from rapport._core import (backoff_delay, build_headers, error_from_response, make_options,  # noqa: E402
                           parse_base_url, parse_retry_after)


class BackoffTest(unittest.TestCase):
    def test_jittered_exponential_ranges(self) -> None:
        for attempt, (low, high) in enumerate([(0.25, 0.5), (0.5, 1.0), (1.0, 2.0)]):
            self.assertEqual(backoff_delay(attempt, None, lambda: 0.0), low)
            self.assertEqual(backoff_delay(attempt, None, lambda: 1.0), high)
            self.assertTrue(low < backoff_delay(attempt, None, lambda: 0.5) < high)

    def test_retry_after_wins_over_the_backoff(self) -> None:
        self.assertEqual(backoff_delay(0, 3.0, lambda: 1.0), 3.0)
        self.assertEqual(backoff_delay(2, 0.0, lambda: 1.0), 0.0)

    def test_retry_after_seconds_date_and_garbage(self) -> None:
        self.assertEqual(parse_retry_after('5'), 5.0)
        self.assertEqual(parse_retry_after(' 1.5 '), 1.5)
        self.assertIsNone(parse_retry_after(None))
        self.assertIsNone(parse_retry_after('-1'))
        self.assertIsNone(parse_retry_after('soon'))
        self.assertEqual(parse_retry_after(formatdate(1_000_010, usegmt=True), now=1_000_000), 10.0)
        self.assertEqual(parse_retry_after(formatdate(999_000, usegmt=True), now=1_000_000), 0.0)


class BaseUrlTest(unittest.TestCase):
    def test_origin_prefix_and_api_suffix(self) -> None:
        e = parse_base_url('http://127.0.0.1:3000')
        self.assertEqual((e.scheme, e.host, e.port, e.prefix), ('http', '127.0.0.1', 3000, ''))
        self.assertEqual(parse_base_url('https://npc.example.com/rapport/api/v1/').prefix, '/rapport')
        self.assertEqual(parse_base_url('https://npc.example.com/api/v1/sdk').port, 443)
        for bad in ('ftp://x', 'localhost:3000', ''):
            with self.assertRaises(ValueError):
                parse_base_url(bad)


class OptionsTest(unittest.TestCase):
    def test_defaults_and_environment(self) -> None:
        env = {'RAPPORT_API_KEY': 'pk_env', 'RAPPORT_BASE_URL': 'http://127.0.0.1:9',
               'RAPPORT_LLM_API_KEY': 'sk-env', 'RAPPORT_LLM_MODEL': 'mock/x'}
        with mock.patch.dict(os.environ, env):
            client = RapportClient()
        self.assertEqual((client.base_url, client.timeout, client.max_retries), ('http://127.0.0.1:9', 30.0, 3))
        self.assertEqual((client._options.api_key, client._options.llm_api_key, client._options.llm_model),
                         ('pk_env', 'sk-env', 'mock/x'))

    def test_invalid_options_are_refused_without_echoing_keys(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaises(ValueError):
                RapportClient()
        for bad in ({'timeout': 0}, {'timeout': True}, {'max_retries': -1}, {'max_retries': 1.5},
                    {'base_url': 'nope'}):
            with self.assertRaises(ValueError):
                RapportClient(api_key='pk', **bad)
        with self.assertRaises(ValueError) as caught:
            RapportClient(api_key='pk', llm_api_key='sk-secret\r\nX-Evil: 1')
        self.assertNotIn('sk-secret', str(caught.exception))

    def test_headers_carry_content_type_and_skip_unset_llm_options(self) -> None:
        options = make_options('pk', None, 30, 3, {'llm_eval_model': 'gpt-4o'})
        headers = build_headers(options, 'application/json', 'key-1')
        self.assertEqual(headers['Content-Type'], 'application/json')
        self.assertEqual(headers['X-LLM-Eval-Model'], 'gpt-4o')
        self.assertEqual(headers['Idempotency-Key'], 'key-1')
        self.assertNotIn('X-LLM-API-Key', headers)


class ErrorMappingTest(unittest.TestCase):
    def test_status_to_exception(self) -> None:
        cases = {400: BadRequestError, 401: AuthenticationError, 403: ForbiddenError, 404: NotFoundError,
                 429: RateLimitError, 500: ServerError, 502: ServerError, 503: ServerError, 409: RapportError}
        for status, kind in cases.items():
            err = error_from_response(status, {}, b'{"error":{"message":"why"}}', [])
            self.assertIs(type(err), kind)
            self.assertEqual((err.status_code, err.message), (status, 'why'))

    def test_body_without_envelope_and_retry_after(self) -> None:
        err = error_from_response(503, {'retry-after': '4'}, b'<html>bad gateway</html>', [])
        self.assertEqual((err.message, err.retry_after), ('HTTP 503', 4.0))
        self.assertEqual(str(err), 'HTTP 503 (HTTP 503)')


if __name__ == '__main__':
    unittest.main()
