"""Content-Encoding decoding with bounded output: no decompression bomb gets through.

A 3 KB ``Content-Encoding: br`` answer can stand for 2 GiB of zeros, and
``gzip, gzip`` multiplies the ratios. A decoder that turns each network chunk
into its whole decompressed output (httpx's) holds the 2 GiB before any size
check can run. ``BodyDecoder`` instead:

- decodes the stack of codings from the last applied to the first, each layer
  handing the next at most ``CHUNK`` bytes at a time (zlib's ``max_length``,
  brotli's ``output_buffer_limit``), so memory is a few chunks per layer plus
  the body kept;
- caps what *every* layer produces at the body limit, not only the last:
  compressed data is smaller than what it stands for, so a real body never
  needs more, while a layer that expands into input the next layer swallows
  without output (empty gzip members, brotli metadata) cannot burn the CPU;
- knows ``identity``, ``gzip`` (``x-gzip``), ``deflate`` (zlib-wrapped or
  raw, as servers send both) and ``br``, at most ``MAX_CODINGS`` of them;
  anything else is refused, since an undecodable body is not an article.

It is synchronous and does a bounded amount of work per call, so the fetcher
runs each chunk in a worker thread under its request deadline.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Protocol

import brotli  # no stubs (see [tool.mypy] in pyproject.toml)

#: Largest piece any layer hands on at once.
CHUNK = 64 * 1024
#: Codings one answer may stack ("gzip, gzip" is two); real servers use one.
MAX_CODINGS = 3
SUPPORTED = ("gzip", "deflate", "br")
#: What to send as Accept-Encoding: exactly what can be decoded here.
ACCEPT_ENCODING = "gzip, deflate, br"


class DecodingError(Exception):
    """The body cannot be decoded (unknown coding, too many, corrupt data)."""


class BodyTooLarge(Exception):
    """Decoding produced more than the limit (at the end or at any inner layer)."""


class _Layer(Protocol):
    name: str

    def decode(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _ZlibLayer:
    """gzip (with concatenated members) or deflate (zlib-wrapped, else raw)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._gzip = name == "gzip"
        self._wbits = zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(self._wbits)
        self._started = False
        self._done = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        pending, more = data, True
        while not self._done and (pending or more):
            try:
                out = self._inflate.decompress(pending, CHUNK)
            except zlib.error as error:
                if self._gzip or self._started:
                    raise DecodingError(f"broken {self.name} data ({error})") from None
                # "deflate" is often sent raw, without the zlib header.
                self._wbits = -zlib.MAX_WBITS
                self._inflate = zlib.decompressobj(self._wbits)
                self._started = True
                continue
            self._started = self._started or bool(pending)
            if out:
                yield out
            if self._inflate.eof:
                pending = self._next_member()
                more = bool(pending)
            else:
                pending = self._inflate.unconsumed_tail
                more = len(out) == CHUNK  # zlib may hold more output for the same input

    def _next_member(self) -> bytes:
        rest = self._inflate.unused_data
        if self._gzip and rest.startswith(b"\x1f\x8b"):
            self._inflate = zlib.decompressobj(self._wbits)
            return rest
        self._done = True  # trailing bytes after the stream are ignored, as browsers do
        return b""

    def flush(self) -> Iterator[bytes]:
        return self.decode(b"")


class _BrotliLayer:
    name = "br"

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._decompressor.is_finished():
            return  # trailing bytes after the stream are ignored
        try:
            out = self._decompressor.process(data, output_buffer_limit=CHUNK)
            # Past the limit, brotli keeps the rest of the output (and input) inside and
            # wants empty input until it has none left to give.
            while out:
                yield out
                if self._decompressor.is_finished():
                    return
                out = self._decompressor.process(b"", output_buffer_limit=CHUNK)
        except brotli.error as error:
            raise DecodingError(f"broken br data ({error})") from None

    def flush(self) -> Iterator[bytes]:
        return iter(())


def _layer(name: str) -> _Layer:
    if name in ("gzip", "x-gzip"):
        return _ZlibLayer("gzip")
    if name == "deflate":
        return _ZlibLayer("deflate")
    if name == "br":
        return _BrotliLayer()
    raise DecodingError(f"unsupported content encoding {name!r}")


def codings(header_values: Sequence[str]) -> list[str]:
    """The codings of Content-Encoding header value(s), in the order they were applied."""
    found = [part.strip().lower() for value in header_values for part in value.split(",")]
    return [name for name in found if name and name != "identity"]


class BodyDecoder:
    """Decodes one body through its stack of codings, at most ``limit`` bytes at any layer."""

    def __init__(self, applied: Sequence[str], limit: int) -> None:
        if len(applied) > MAX_CODINGS:
            raise DecodingError(
                f"{len(applied)} stacked content encodings (at most {MAX_CODINGS} are decoded)"
            )
        # Undo the last coding applied first.
        self._layers = [_layer(name) for name in reversed(applied)]
        self._produced = [0] * len(self._layers)
        self._limit = limit
        self._chunks: list[bytes] = []
        self.size = 0

    @property
    def identity(self) -> bool:
        return not self._layers

    def feed(self, data: bytes) -> None:
        """Decode one chunk of the raw body; raises ``BodyTooLarge`` or ``DecodingError``."""
        self._push(0, data)

    def finish(self) -> bytes:
        """Flush every layer and return the whole decoded body."""
        for index, layer in enumerate(self._layers):
            for out in layer.flush():
                self._count(index, out)
                self._push(index + 1, out)
        return b"".join(self._chunks)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._layers):
            self.size += len(data)
            if self.size > self._limit:
                raise BodyTooLarge
            self._chunks.append(data)
            return
        for out in self._layers[index].decode(data):
            self._count(index, out)
            self._push(index + 1, out)

    def _count(self, index: int, out: bytes) -> None:
        self._produced[index] += len(out)
        if self._produced[index] > self._limit:
            raise BodyTooLarge
