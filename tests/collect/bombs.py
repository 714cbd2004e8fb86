"""Decompression bombs, made on the fly (a few seconds, once per test session).

Each stands for far more zeros than the 300 MB a build may use, in a few KB or MB:

- ``br``: brotli of 2 GiB (about 390 KB at the fast quality used here);
- ``gzip, gzip``: gzip of a gzip stream of 2 GiB (members of 1 MiB each, as
  RFC 1952 allows), about 6 KB on the wire;
- ``deflate``: zlib of 512 MiB (about 2.3 MB; zlib is slow to make bigger ones).
"""

from __future__ import annotations

import functools
import gzip
import zlib
from dataclasses import dataclass

import brotli  # type: ignore[import-untyped]

MIB = 1 << 20
_ZEROS = bytes(MIB)


@dataclass(frozen=True)
class Bomb:
    name: str
    encoding: str  # the Content-Encoding header
    body: bytes
    expands_to: int  # bytes, once every layer is decoded


@functools.cache
def br(mib: int = 2048) -> Bomb:
    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(_ZEROS) for _ in range(mib)]
    return Bomb("br", "br", b"".join(parts) + compressor.finish(), mib * MIB)


@functools.cache
def gzip_in_gzip(mib: int = 2048) -> Bomb:
    inner = gzip.compress(_ZEROS, 9) * mib  # one member per MiB
    return Bomb("gzip-in-gzip", "gzip, gzip", gzip.compress(inner, 9), mib * MIB)


@functools.cache
def deflate(mib: int = 512) -> Bomb:
    compressor = zlib.compressobj(1)
    parts = [compressor.compress(_ZEROS) for _ in range(mib)]
    return Bomb("deflate", "deflate", b"".join(parts) + compressor.flush(), mib * MIB)


def all_bombs() -> list[Bomb]:
    return [br(), gzip_in_gzip(), deflate()]
