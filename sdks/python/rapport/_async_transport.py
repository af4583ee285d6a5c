"""Non-blocking HTTP/1.1 on asyncio streams: one connection per request (Connection: close).

Chosen over running http.client in a thread so a stream is read on the event loop itself, chunk by
chunk, with nothing parked in an executor. It implements the part of HTTP/1.1 a JSON/SSE API needs:
Content-Length, chunked and close-delimited bodies; TLS through the ssl module.
"""
from __future__ import annotations

import asyncio
import ssl
from typing import AsyncIterator, Awaitable, Dict, Mapping, Optional, Tuple, TypeVar

from ._core import Endpoint, RawResponse
from .errors import RapportConnectionError, RapportTimeoutError

T = TypeVar('T')
_MAX_HEADER_LINES = 200


class AsyncStream:
    """An open response: status, headers, and the body's bytes as they arrive."""

    def __init__(self, transport: 'AsyncTransport', reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 status: int, headers: Dict[str, str], method: str) -> None:
        self._transport = transport
        self._reader = reader
        self._writer = writer
        self.status = status
        self.headers = headers
        self._method = method

    async def read_all(self) -> bytes:
        try:
            return b''.join([chunk async for chunk in self.chunks()])
        finally:
            await self.close()

    async def chunks(self) -> AsyncIterator[bytes]:
        read = self._transport.timed
        reader = self._reader
        if 'chunked' in self.headers.get('transfer-encoding', '').lower():
            while True:
                size_line = await read(reader.readline())
                if not size_line.endswith(b'\n'):
                    raise RapportConnectionError('The connection closed in the middle of the response')
                size = _chunk_size(size_line)
                if size == 0:
                    while (await read(reader.readline())).strip():
                        pass
                    return
                while size > 0:
                    data = await read(reader.read(min(size, 65536)))
                    if not data:
                        raise RapportConnectionError('The connection closed in the middle of the response')
                    size -= len(data)
                    yield data
                await read(reader.readline())
        elif 'content-length' in self.headers:
            remaining = _int(self.headers['content-length'])
            while remaining > 0:
                data = await read(reader.read(min(remaining, 65536)))
                if not data:
                    raise RapportConnectionError('The connection closed in the middle of the response')
                remaining -= len(data)
                yield data
        elif self.status not in (204, 304) and self._method != 'HEAD':
            while True:
                data = await read(reader.read(65536))
                if not data:
                    return
                yield data

    async def close(self) -> None:
        self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            pass


class AsyncTransport:
    """Opens a connection per request; every network wait is bounded by `timeout`."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout

    async def timed(self, awaitable: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(awaitable, self.timeout)
        except asyncio.TimeoutError:
            raise RapportTimeoutError('The server did not answer within the timeout') from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise RapportConnectionError(f'Connection to the server failed: {type(exc).__name__}: {exc}') from None

    async def request(self, method: str, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> RawResponse:
        stream = await self.open(method, path, headers, body)
        return RawResponse(stream.status, stream.headers, await stream.read_all())

    async def open(self, method: str, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> AsyncStream:
        e = self.endpoint
        context = ssl.create_default_context() if e.scheme == 'https' else None
        reader, writer = await self.timed(asyncio.open_connection(
            e.host, e.port, ssl=context, server_hostname=e.host if context else None))
        try:
            writer.write(_head(method, e, path, headers, body) + (body or b''))
            await self.timed(writer.drain())
            status, response_headers = await self._read_head(reader)
            return AsyncStream(self, reader, writer, status, response_headers, method)
        except BaseException:
            writer.close()
            raise

    async def _read_head(self, reader: asyncio.StreamReader) -> Tuple[int, Dict[str, str]]:
        while True:
            line = await self.timed(reader.readline())
            parts = line.decode('latin-1').split(None, 2)
            if len(parts) < 2 or not parts[0].startswith('HTTP/'):
                raise RapportConnectionError('The server closed the connection without a valid HTTP response')
            status = _int(parts[1])
            headers: Dict[str, str] = {}
            for _ in range(_MAX_HEADER_LINES):
                raw = (await self.timed(reader.readline())).decode('latin-1').rstrip('\r\n')
                if not raw:
                    break
                name, _, value = raw.partition(':')
                key = name.strip().lower()
                headers[key] = f'{headers[key]}, {value.strip()}' if key in headers else value.strip()
            else:
                raise RapportConnectionError('The response has too many header lines')
            if status >= 200:
                return status, headers


def _head(method: str, e: Endpoint, path: str, headers: Mapping[str, str], body: Optional[bytes]) -> bytes:
    default_port = 443 if e.scheme == 'https' else 80
    host = e.host if e.port == default_port else f'{e.host}:{e.port}'
    if ':' in e.host and not e.host.startswith('['):
        host = f'[{e.host}]' if e.port == default_port else f'[{e.host}]:{e.port}'
    lines = [f'{method} {e.prefix}{path} HTTP/1.1', f'Host: {host}', 'Connection: close',
             'Accept-Encoding: identity', f'Content-Length: {len(body) if body else 0}']
    lines += [f'{name}: {value}' for name, value in headers.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('utf-8')


def _chunk_size(line: bytes) -> int:
    try:
        return int(line.split(b';', 1)[0].strip(), 16)
    except ValueError:
        raise RapportConnectionError('The server sent an invalid chunked body') from None


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RapportConnectionError('The server sent an invalid HTTP response') from None
