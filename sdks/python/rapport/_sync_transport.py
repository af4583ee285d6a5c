"""Blocking HTTP/1.1 over http.client: one connection per request, streams read as bytes arrive."""
from __future__ import annotations

import http.client
import socket
from typing import Dict, Iterator, Mapping, Optional

from ._core import Endpoint, RawResponse
from .errors import RapportConnectionError, RapportTimeoutError


class SyncStream:
    """An open streaming response: status, headers and the body's bytes as they arrive."""

    def __init__(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self._conn = conn
        self._response = response
        self.status = response.status
        self.headers: Dict[str, str] = {k.lower(): v for k, v in response.getheaders()}

    def read_all(self) -> bytes:
        try:
            return self._response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise _wrap(exc) from None
        finally:
            self.close()

    def chunks(self) -> Iterator[bytes]:
        while True:
            try:
                data = self._response.read1(65536)
            except (OSError, http.client.HTTPException) as exc:
                raise _wrap(exc) from None
            if not data:
                return
            yield data

    def close(self) -> None:
        self._response.close()  # the response's file holds the socket open until it is closed too
        self._conn.close()


class SyncTransport:
    """Sends one request and returns its response; failures become RapportConnectionError/RapportTimeoutError."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout

    def request(self, method: str, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> RawResponse:
        stream = self.open(method, path, headers, body)
        return RawResponse(stream.status, stream.headers, stream.read_all())

    def open(self, method: str, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> SyncStream:
        e = self.endpoint
        conn: http.client.HTTPConnection
        if e.scheme == 'https':
            conn = http.client.HTTPSConnection(e.host, e.port, timeout=self.timeout)
        else:
            conn = http.client.HTTPConnection(e.host, e.port, timeout=self.timeout)
        try:
            conn.request(method, e.prefix + path, body=body, headers=dict(headers))
            return SyncStream(conn, conn.getresponse())
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _wrap(exc) from None


def _wrap(exc: BaseException) -> RapportConnectionError:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return RapportTimeoutError('The server did not answer within the timeout')
    return RapportConnectionError(f'Connection to the server failed: {type(exc).__name__}: {exc}')
