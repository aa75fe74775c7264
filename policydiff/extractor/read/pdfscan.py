"""What a PDF would cost to read, measured from its raw bytes before any PDF library parses it.

A PDF library inflates a page's content stream whole before it reads a
character, so a few megabytes of file can become gigabytes of memory
(a decompression bomb). The scan inflates each compressed stream a page may
draw from, counting bytes and keeping none, and stops as soon as a limit is
passed. Images are skipped: reading text never decodes them. The same pass
counts the page objects the file really holds, so a page tree that lists one
page thousands of times (amplification) can be told from a long document.

No PDF parser is involved: a stream's dictionary is the text between its
object header and the `stream` keyword, and zlib finds the stream's end by
itself, so a lying /Length cannot mislead the count.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from ...budget import Budget, over
from ...errors import ExtractionError

_PAGE_OBJECT = re.compile(rb"/Type\s{0,8}/Page(?![A-Za-z])")
_IMAGE = re.compile(rb"/Subtype\s{0,8}/Image")
_LENGTH = re.compile(rb"/Length\s{0,8}(\d{1,12})(?!\s{0,8}\d{1,10}\s{0,8}R)")
_DICTIONARY_REACH = 2048
"""Bytes before `stream` searched for its dictionary (real ones are a few hundred at most)."""
_MAX_RATIO = 1032
"""Deflate's largest possible expansion: one compressed byte never inflates to more than this."""
_READ = 1 << 16
"""Compressed bytes handed to zlib at a time."""
_CHUNK = 1 << 20
"""Inflated bytes asked of zlib at a time (what the count holds in memory at once)."""


@dataclass(frozen=True)
class _Stream:
    start: int
    """Where the compressed bytes begin."""
    packed: int
    """The most compressed bytes a reader could take for it: its /Length or, if that lies, up to the
    next `endstream`, whichever is longer."""
    objects: bool
    """An object stream (objects packed together; page objects may hide there)."""

    @property
    def most(self) -> int:
        """What it could inflate to at most, known without inflating it."""
        return self.packed * _MAX_RATIO + 64


@dataclass(frozen=True)
class Scan:
    """A PDF's compressed streams, found once: the page-object count reads the object streams among them."""

    streams: tuple[_Stream, ...]

    def page_objects(self, data: bytes, enough: int) -> int:
        """Page objects the file holds (in its plain objects, then its object streams), counted until
        `enough` are found; 0 when none show."""
        found = len(_PAGE_OBJECT.findall(data))
        for stream in self.streams:
            if found >= enough:
                break
            if stream.objects:
                _, kept = _inflate(data, stream.start, _CHUNK * 64, keep=True)
                found += len(_PAGE_OBJECT.findall(kept))
        return found


def scan(data: bytes, budget: Budget) -> Scan:
    """Measure `data`; raises ExtractionError (without the file's name) when a limit is passed.

    Deflate expands at most 1032 times, so a stream too short to pass a limit even at that ratio is
    never inflated: biggest first, streams are inflated only until what remains could not reach the
    budget. On ordinary PDFs that is a few streams at most.
    """
    streams = _streams(data)
    remaining = sum(s.most for s in streams)
    total = 0
    for stream in sorted(streams, key=lambda s: -s.packed):
        if stream.most <= budget.stream_bytes and total + remaining <= budget.document_bytes:
            break  # the rest fit both limits whatever they hold
        remaining -= stream.most
        size, _ = _inflate(data, stream.start, min(budget.stream_bytes, budget.document_bytes - total))
        if size > budget.stream_bytes:
            raise ExtractionError(over(f"a compressed stream (at byte {stream.start}) inflates past the limit: "
                                       f"a decompression bomb?", "stream_bytes", budget))
        total += size
        if total > budget.document_bytes:
            raise ExtractionError(over("its compressed streams together inflate past the limit", "document_bytes",
                                       budget))
    return Scan(tuple(streams))


def _streams(data: bytes) -> list[_Stream]:
    """Every Flate-compressed stream a text reader may inflate: images left out."""
    out = []
    at = data.find(b"stream")
    while at >= 0:
        body = at + 6
        if data[at - 3:at] != b"end" and data[body:body + 1] in (b"\r", b"\n"):
            body += 2 if data[body:body + 2] == b"\r\n" else 1
            head = data[max(0, at - _DICTIONARY_REACH):at]
            head = head[head.rfind(b" obj") + 4:] if b" obj" in head else head
            if b"/FlateDecode" in head and not _IMAGE.search(head):
                end = data.find(b"endstream", body)
                packed = (len(data) if end < 0 else end) - body
                stated = _LENGTH.search(head)
                if stated:
                    packed = max(packed, min(int(stated.group(1)), len(data) - body))
                out.append(_Stream(body, packed, b"/ObjStm" in head))
        at = data.find(b"stream", at + 6)
    return out
def _inflate(data: bytes, start: int, budget: int, keep: bool = False) -> tuple[int, bytes]:
    """Inflated size of the zlib stream at `start`, counted up to one byte past `budget`; the bytes
    themselves only when asked (object streams, which are small)."""
    inflater = zlib.decompressobj()
    size, pos = 0, start
    kept: list[bytes] = []
    view = memoryview(data)
    try:
        while not inflater.eof and pos < len(data):
            pending: bytes | memoryview = view[pos:pos + _READ]  # no copy; most streams end in the first read
            pos += len(pending)
            while pending:
                out = inflater.decompress(pending, _CHUNK)
                size += len(out)
                if keep:
                    kept.append(out)
                if size > budget:
                    return size, b""
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
    except zlib.error:
        pass  # a damaged stream: the PDF library decides what to make of it
    return size, b"".join(kept)
