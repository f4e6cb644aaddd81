"""Bounded decompression: a gzip bomb is stopped at `limit` decoded bytes, never inflated whole.

httpx's own decoders inflate each network chunk without an output bound (64 KB of gzip can become
64 MB before anyone counts), so the fetcher reads the raw stream and decodes here, in bounded steps.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from itertools import chain

import brotli

STEP = 64 * 1024  # decoded bytes per step


class TooLarge(Exception):  # noqa: N818 - a signal caught by the fetcher
    """The decoded body passed the limit."""


class UnknownEncoding(Exception):  # noqa: N818
    """A Content-Encoding we did not ask for and cannot decode."""


Step = Callable[[bytes], Iterator[bytes]]  # lazy, so the caller counts before the next step inflates


def _zlib_steps(wbits: int) -> tuple[Step, Callable[[], bytes]]:
    inflater = zlib.decompressobj(wbits)

    def step(data: bytes) -> Iterator[bytes]:
        yield inflater.decompress(data, STEP)
        while inflater.unconsumed_tail:
            yield inflater.decompress(inflater.unconsumed_tail, STEP)

    return step, inflater.flush


def _brotli_steps() -> tuple[Step, Callable[[], bytes]]:
    inflater = brotli.Decompressor()

    def step(data: bytes) -> Iterator[bytes]:
        out = inflater.process(data, output_buffer_limit=STEP)
        while out:
            yield out
            out = inflater.process(b"", output_buffer_limit=STEP) if not inflater.is_finished() else b""

    return step, lambda: b""


def decoder(content_encoding: str) -> tuple[Step, Callable[[], bytes]]:
    """A step function and a flush for one Content-Encoding token."""
    token = content_encoding.strip().lower()
    if token in ("", "identity"):
        return (lambda data: iter([data])), (lambda: b"")
    if token in ("gzip", "x-gzip"):
        return _zlib_steps(16 + zlib.MAX_WBITS)
    if token == "deflate":
        return _zlib_steps(zlib.MAX_WBITS)
    if token == "br":
        return _brotli_steps()
    raise UnknownEncoding(token)


async def read_bounded(raw: AsyncIterator[bytes], content_encoding: str, limit: int) -> bytes:
    """Decode a raw body stream (the last encoding applied is undone first), counting decoded bytes."""
    stages = [decoder(token) for token in reversed(content_encoding.split(","))] or [decoder("")]
    body = bytearray()

    def push(chunks: Iterable[bytes], index: int) -> None:
        for chunk in chunks:
            if index == len(stages):
                body.extend(chunk)
                if len(body) > limit:
                    raise TooLarge(limit)
            elif chunk:
                push(stages[index][0](chunk), index + 1)

    try:
        async for chunk in raw:
            push(stages[0][0](chunk), 1)
        for index, (_, flush) in enumerate(stages):
            push([flush()], index + 1)
    except (zlib.error, brotli.error) as exc:
        raise UnknownEncoding(f"corrupt {content_encoding} body: {exc}") from exc
    return bytes(body)


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """A gzipped file (a .xml.gz sitemap), inflated up to `limit` bytes."""
    step, flush = _zlib_steps(16 + zlib.MAX_WBITS)
    body = bytearray()
    for chunk in chain(step(data), (flush() for _ in (1,))):
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge(limit)
    return bytes(body)
