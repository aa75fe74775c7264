"""What a PDF would cost to read, measured from its raw bytes before any PDF library parses it.

A PDF library decodes a page's content stream whole before it reads a
character, so a few kilobytes of file can become gigabytes of memory (a
decompression bomb). The scan finds every stream by parsing the file's
objects (dictionaries of any length; strings, names and comments that hold
"obj" or "stream" are read as what they are), reads each stream's filter
chain as PDFium does (a name or an array, direct or by reference, names
`#xx`-escaped or abbreviated: `/Fl`, `/LZW`, `/A85`, `/AHx`, `/RL`; Flate,
LZW, ASCII85, ASCIIHex and RunLength decoded in turn, `Crypt` passed over, an
image codec ending the chain), and decodes each stream a reader may decode,
layer after layer, counting bytes and keeping none, until a limit is passed.

Images are skipped, since reading text never decodes them, but only a stream
that is an image by its dictionary and referred to from image places alone
(an /XObject resource, a /SMask, /Mask or /Thumb): a page's content stream
whose dictionary says /Subtype /Image is content all the same. The same pass
counts the page objects the file holds, so a page tree that lists one page
thousands of times (amplification) can be told from a long document.

Decoders find a stream's end by themselves, and a stream is given the longer
of its /Length and the distance to its `endstream`, so a lying /Length cannot
shorten the count. A file whose objects cannot be parsed within a few passes
over its bytes (crafted to make a parser backtrack) is refused.
"""
from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...budget import Budget, over
from ...errors import ExtractionError

_PAGE_OBJECT = re.compile(rb"/Type\s{0,8}/Page(?![A-Za-z])")
_MAX_RATIO = {"flate": 1032, "lzw": 3413, "a85": 4, "ahx": 1, "rl": 64}
"""The most one input byte can become: deflate 1032; LZW a 3,839-byte string from a 9-bit code; ASCII85 `z`
four zero bytes; RunLength 128 bytes from two."""
_EXPANDING = {"flate", "lzw", "a85", "rl"}
_FILTERS = {b"FlateDecode": "flate", b"Fl": "flate", b"LZWDecode": "lzw", b"LZW": "lzw",
            b"ASCII85Decode": "a85", b"A85": "a85", b"ASCIIHexDecode": "ahx", b"AHx": "ahx",
            b"RunLengthDecode": "rl", b"RL": "rl", b"Crypt": "crypt"}
"""PDFium's names for the filters it decodes itself (fpdf_parser_decode.cpp); any other name is an image codec
and ends the chain."""
_IMAGE_SLOTS = (b"SMask", b"Mask", b"Thumb")
_READ = 1 << 16
"""Encoded bytes handed to the first decoder at a time."""
_CHUNK = 1 << 20
"""Decoded bytes a decoder hands on at a time (what the count holds in memory at once)."""
_OBJECT_STREAM_KEEP = 64 << 20
"""The most of an object stream kept for reading the objects packed in it."""
_PARSE_PASSES = 8
"""Failed parses may look at this many times the file's bytes before the file is refused."""


@dataclass(frozen=True)
class _Stream:
    number: int
    start: int
    """Where the encoded bytes begin."""
    packed: int
    """The most encoded bytes a reader could take for it: its /Length or, if that lies, up to the next
    `endstream`, whichever is longer."""
    chain: tuple[str, ...]
    params: tuple[Any, ...]
    image: bool
    """Its dictionary says /Subtype /Image."""
    objects: bool
    """An object stream (objects packed together; page objects may hide there)."""

    @property
    def most(self) -> int:
        """What it could decode to at most, known without decoding it."""
        ratio = 1
        for kind in self.chain:
            ratio *= _MAX_RATIO.get(kind, 1)
        return self.packed * ratio + 64

    @property
    def expands(self) -> bool:
        return any(kind in _EXPANDING for kind in self.chain)


@dataclass(frozen=True)
class Scan:
    """A PDF's streams, found once: the page-object count reads the object streams among them."""

    streams: tuple[_Stream, ...]
    packed_objects: tuple[bytes, ...] = ()
    """The decoded object streams (read for the objects they hold)."""

    def page_objects(self, data: bytes, enough: int) -> int:
        """Page objects the file holds (in its plain objects, then its object streams), counted until
        `enough` are found; 0 when none show."""
        found = len(_PAGE_OBJECT.findall(data))
        for text in self.packed_objects:
            if found >= enough:
                break
            found += len(_PAGE_OBJECT.findall(text))
        return found


def scan(data: bytes, budget: Budget) -> Scan:
    """Measure `data`; raises ExtractionError (without the file's name) when a limit is passed.

    Each decoder expands by a known most (deflate 1032 times), so a stream too short to pass a limit even at
    its chain's ratio is never decoded: biggest first, streams are decoded only until what remains could not
    reach the budget. On ordinary PDFs that is a few streams at most.
    """
    parsed = _Parsed(data)
    streams = parsed.streams()
    total = 0
    packed: list[bytes] = []
    for stream in streams:  # object streams first: the objects they hold say which streams are images
        if stream.objects:
            size, kept = _decode(data, stream, min(budget.stream_bytes, _OBJECT_STREAM_KEEP), keep=True)
            total += _checked(stream, size, total, budget)
            packed.append(kept)
            parsed.read_packed(kept, stream)
    candidates = [s for s in streams if s.expands and not s.objects]
    # Which images a reader draws as something else matters only where one could pass a limit at all: a logo's
    # few kilobytes cannot, so most files never need the references read.
    matters = any(s.image for s in candidates) and (
        any(s.image and s.most > budget.stream_bytes for s in candidates)
        or total + sum(s.most for s in candidates) > budget.document_bytes)
    drawn = parsed.decoded_references() if matters else {s.number for s in candidates}
    measured = [s for s in candidates if not s.image or s.number in drawn]
    remaining = sum(s.most for s in measured)
    for stream in sorted(measured, key=lambda s: -s.most):
        if stream.most <= budget.stream_bytes and total + remaining <= budget.document_bytes:
            break  # the rest fit both limits whatever they hold
        remaining -= stream.most
        size, _ = _decode(data, stream, min(budget.stream_bytes, budget.document_bytes - total))
        total += _checked(stream, size, total, budget)
    return Scan(tuple(streams), tuple(packed))


def _checked(stream: _Stream, size: int, total: int, budget: Budget) -> int:
    if size > budget.stream_bytes:
        raise ExtractionError(over(f"a compressed stream (at byte {stream.start}) inflates past the limit: "
                                   f"a decompression bomb?", "stream_bytes", budget))
    if total + size > budget.document_bytes:
        raise ExtractionError(over("its compressed streams together inflate past the limit", "document_bytes",
                                   budget))
    return size


# -- objects -----------------------------------------------------------------------------------------------------

_WHITE = b"\x00\t\n\x0c\r "
_W = rb"[\x00\t\n\x0c\r ]"
_REG = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_TOKEN = re.compile(rb"(?:" + _W + rb"+|%[^\r\n]*)*(?:(<<)|(>>)|(\[)|(\])|/(" + _REG + rb"*)|(\d{1,10})" + _W
                    + rb"+(\d{1,5})" + _W + rb"+R(?!" + _REG + rb")|<([^<>]*)>|(\()|(" + _REG + rb"+))")
"""One token after white space and comments: << >> [ ] /name, N G R, <hex>, ( and a word (a number, a keyword)."""
_OBJ_WORD = re.compile(rb"obj(?!" + _REG + rb")")
_HEADER_TAIL = re.compile(rb"(?<![0-9])(\d{1,10})" + _W + rb"+(\d{1,5})" + _W + rb"+\Z")
"""`N G ` right before an `obj` keyword (searched in the few bytes before it)."""
_STREAM_WORD = re.compile(rb"stream(?:\r\n|\n|\r)")
_STREAM = re.compile(rb"(?:" + _W + rb"+|%[^\r\n]*)*stream(?!" + _REG + rb")")
_STRING_PART = re.compile(rb"[()\\]")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_CONSTANTS = {b"true": True, b"false": False, b"null": None}
_MAX_DEPTH = 64
"""PDFium's own limit on nesting (CPDF_SyntaxParser): deeper objects are invalid to it too."""


class Name(bytes):
    """A PDF name, `#xx` escapes decoded (`/Fl#61teDecode` is `FlateDecode`)."""


class Ref(tuple):
    """An indirect reference `N G R`."""


class Word(bytes):
    """A bare keyword (`endobj`, `stream`): the end of an object, never a value in one."""


class _Bad(Exception):
    """Not a PDF object here (a false `N G obj` inside some stream's bytes, or damage)."""


class _Parsed:
    """The file's objects as a parser that knows only PDF syntax reads them, in one pass over its bytes.

    Each object's extent is found by a scanner that knows strings, hex strings and comments (so `obj`,
    `endobj` or `stream` inside one are read as text); stream dictionaries are parsed whole, and other objects
    only when a stream's dictionary refers to one. An object defined more than once (an incremental update,
    or a decoy) is read every way it is defined, and the costliest reading counts."""

    def __init__(self, data: bytes):
        self.data = data
        self.spans: dict[int, list[tuple[bytes, int, int]]] = {}
        """Each object's definitions: (the text holding it, where its value starts, where it ends)."""
        self.found: list[tuple[int, dict[bytes, Any], int, int, int]] = []
        """Each stream: its number, dictionary, where its dictionary starts, where its bytes begin, where its
        `endstream` is (-1: none)."""
        self.wasted = 0
        self._values: dict[tuple[int, int], Any] = {}
        self._read_objects()

    def _read_objects(self) -> None:
        data, pos = self.data, 0
        allowance = _PARSE_PASSES * len(data) + (1 << 20)  # what the scanner may look at past false headers
        for word in _OBJ_WORD.finditer(data):  # the keyword first (a fast literal search), then its header
            if word.start() < pos:
                continue
            m = _HEADER_TAIL.search(data, max(pos, word.start() - 32), word.start())
            if m is None:
                continue
            number = int(m.group(1))
            end, keyword = _extent(data, word.end())
            if keyword == b"stream":
                try:
                    head, after = self.value(data, word.end())
                except _Bad:
                    head, after = None, -1
                stream = _STREAM.match(data, after) if isinstance(head, dict) else None
                if stream is not None and stream.end() == end + 6:
                    body = end + 6
                    body += 2 if data[body:body + 2] == b"\r\n" else 1 if data[body:body + 1] in b"\n\r" else 0
                    stop = data.find(b"endstream", body)
                    self.found.append((number, head, word.end(), body, stop))
                    pos = body if stop < 0 else stop + 9  # never past a real `endstream`, whatever /Length says
                    continue
            if keyword is None:  # no `endobj`: a false header, or the damaged end of a file
                self.wasted += end - word.end()
                if self.wasted > allowance:
                    raise ExtractionError("its objects cannot be measured (damaged, or built to defeat a parser); "
                                          "not read")
                pos = word.end()
                continue
            self.spans.setdefault(number, []).append((data, word.end(), end))
            pos = end
        # `stream` keywords no parsed dictionary owns: decoded as plain Flate, the most common filter
        owned = {body for _, _, _, body, _ in self.found}
        for m in _STREAM_WORD.finditer(data):
            if m.end() not in owned and data[max(0, m.start() - 3):m.start()] != b"end":
                self.found.append((-1, {b"Filter": Name(b"FlateDecode")}, m.start(), m.end(),
                                   data.find(b"endstream", m.end())))

    def value(self, data: bytes, pos: int) -> tuple[Any, int]:
        """The object at `pos` and where it ends; raises _Bad."""
        stack: list[list[Any]] = []
        """Open containers: [list] or [dict, pending key]."""
        while True:
            m = _TOKEN.match(data, pos)
            if m is None:
                raise _Bad(pos)
            pos, kind = m.end(), m.lastindex
            value: Any
            if kind == 1 or kind == 3:  # << or [
                if len(stack) >= _MAX_DEPTH:
                    raise _Bad(pos)
                stack.append([{}, None] if kind == 1 else [[]])
                continue
            if kind == 2:
                if not stack or len(stack[-1]) != 2 or stack[-1][1] is not None:
                    raise _Bad(pos)
                value = stack.pop()[0]
            elif kind == 4:
                if not stack or len(stack[-1]) != 1:
                    raise _Bad(pos)
                value = stack.pop()[0]
            elif kind == 5:
                word = m.group(5)
                value = Name(_NAME_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), word) if b"#" in word else word)
            elif kind == 7:
                value = Ref((int(m.group(6)), int(m.group(7))))
            elif kind == 8:
                value = m.group(8)
            elif kind == 9:
                value, pos = _string(data, m.end() - 1)
            else:
                word = m.group(10)
                if _NUMBER.fullmatch(word):
                    value = float(word) if b"." in word else int(word)
                elif word in _CONSTANTS:
                    value = _CONSTANTS[word]
                else:
                    value = Word(word)
            if not stack:
                return value, pos
            top = stack[-1]
            if isinstance(value, Word):
                raise _Bad(pos)  # `endobj`, `stream`... inside a container: not an object
            if len(top) == 1:
                top[0].append(value)
            elif top[1] is None:
                if not isinstance(value, Name):
                    raise _Bad(pos)
                top[1] = bytes(value)
            else:
                top[0][top[1]] = value
                top[1] = None

    # -- what the objects say ---------------------------------------------------------------------------------------
    def readings(self, value: Any, hops: int = 0) -> list[Any]:
        """Every value `value` may stand for: itself, or each definition of the object it refers to."""
        if not isinstance(value, Ref):
            return [value]
        if hops >= 16:
            return []
        out: list[Any] = []
        for text, start, _end in self.spans.get(value[0], []):
            key = (id(text), start)
            if key not in self._values:
                try:
                    self._values[key] = self.value(text, start)[0]
                except _Bad:
                    self._values[key] = None
            out += self.readings(self._values[key], hops + 1)
        return out or [None]

    def streams(self) -> list[_Stream]:
        out = []
        for number, head, _, body, stop in self.found:
            longest = (len(self.data) if stop < 0 else stop) - body
            lengths = [v for v in self.readings(head.get(b"Length")) if isinstance(v, int) and v > 0]
            packed = max([longest, *(min(v, len(self.data) - body) for v in lengths)])
            chain, params = max((self._chain(f, head) for f in self.readings(head.get(b"Filter"))),
                                key=lambda c: _Stream(0, 0, 1, c[0], (), False, False).most)
            image = all(v == b"Image" for v in self.readings(head.get(b"Subtype")))
            objects = any(v == b"ObjStm" for v in self.readings(head.get(b"Type")))
            out.append(_Stream(number, body, max(0, packed), chain, params, image, objects))
        return out

    def _chain(self, filters: Any, head: dict[bytes, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """The decoders PDFium runs on a stream, in order, each with its parameters."""
        params = self.readings(head.get(b"DecodeParms"))[0]
        names = filters if isinstance(filters, list) else [filters] if filters is not None else []
        given = params if isinstance(params, list) else [params] * len(names)
        chain, kept = [], []
        for name, param in zip(names, [*given, *[None] * len(names)]):
            kinds = {_FILTERS.get(bytes(n)) if isinstance(n, Name) else None for n in self.readings(name)}
            kind = next((k for k in ("flate", "lzw", "rl", "a85", "ahx", "crypt") if k in kinds), None)
            if kind is None:
                break  # an image codec (or a name no reader knows): the bytes are handed on as they are
            if kind != "crypt":
                chain.append(kind)
                kept.append(self.readings(param)[0])
        return tuple(chain), tuple(kept)

    def read_packed(self, text: bytes, stream: _Stream) -> None:
        """The objects an object stream holds: `N` pairs of (number, offset) from `/First` on."""
        head = next((h for _, h, _, b, _ in self.found if b == stream.start), {})
        count, first = self.readings(head.get(b"N"))[0], self.readings(head.get(b"First"))[0]
        if not isinstance(count, int) or not isinstance(first, int) or count <= 0:
            return
        pairs = [(int(n), first + int(o)) for n, o in re.findall(rb"(\d+)\s+(\d+)", text[:first])[:count]]
        ends = [start for _, start in pairs[1:]] + [len(text)]
        for (number, start), end in zip(pairs, ends):
            if first <= start <= end <= len(text):
                self.spans.setdefault(number, []).append((text, start, end))

    def decoded_references(self) -> set[int]:
        """Object numbers something refers to from a place a reader decodes: anywhere but an image place (an
        entry of an /XObject table, direct or an object of its own, or the value of /SMask, /Mask, /Thumb). Read
        from each object's text with its strings and comments blanked, so no string can fake a place; a name
        spelled with `#xx` escapes is not recognised, and its references then count as decoded."""
        texts = [(number, _blanked(text[start:end])) for number, spans in self.spans.items()
                 for text, start, end in spans]
        texts += [(number, _blanked(self.data[start:body])) for number, _, start, body, _ in self.found]
        tables = {int(m.group(1)) for _, text in texts for m in _TABLE_REF.finditer(text)}
        decoded: set[int] = set()
        for number, text in texts:
            if number in tables:
                continue  # an /XObject table of its own: every entry is an image place
            places = {m.start(1) for m in _IMAGE_REF.finditer(text)}
            for table in _TABLE.finditer(text):
                places |= {table.start(1) + m.start() for m in _REF_IN.finditer(table.group(1))}
            decoded |= {int(m.group(1)) for m in _REF_IN.finditer(text) if m.start() not in places}
        return decoded


_SCANNED = re.compile(rb"<<|<|\(|%|endobj|stream")
_DELIMITER = frozenset(b"\x00\t\n\x0c\r ()<>[]{}%")
"""What may stand before a keyword (a `/` makes a name of it: `/endobj` is no keyword)."""
_LEXICAL = re.compile(rb"<<|<|\(|%")
_LINE_END = re.compile(rb"[\r\n]")
_REF_IN = re.compile(rb"(?<![0-9])(\d{1,10})" + _W + rb"+\d{1,5}" + _W + rb"+R(?!" + _REG + rb")")
_IMAGE_REF = re.compile(rb"/(?:SMask|Mask|Thumb)" + _W + rb"*((\d{1,10})" + _W + rb"+\d{1,5}" + _W + rb"+R)")
_TABLE = re.compile(rb"/XObject" + _W + rb"*<<([^<>]*)>>")
_TABLE_REF = re.compile(rb"/XObject" + _W + rb"*(\d{1,10})" + _W + rb"+\d{1,5}" + _W + rb"+R(?!" + _REG + rb")")


def _extent(data: bytes, pos: int) -> tuple[int, bytes | None]:
    """Where the object whose value starts at `pos` ends: the position of its `endobj` or `stream` keyword (and
    which), strings, hex strings and comments passed over; (end of data, None) when neither comes."""
    while True:
        m = _SCANNED.search(data, pos)
        if m is None:
            return len(data), None
        token = m.group(0)
        if token in (b"endobj", b"stream"):
            before = data[m.start() - 1] if m.start() else 0x20
            after = data[m.end():m.end() + 1]
            if before in _DELIMITER and (not after or after[0] in _DELIMITER or after == b"/"):
                return m.start(), token
            pos = m.start() + 1
        elif token == b"<<":
            pos = m.end()
        elif token == b"<":
            close = data.find(b">", m.end())
            pos = len(data) if close < 0 else close + 1
        elif token == b"(":
            try:
                pos = _string(data, m.start())[1]
            except _Bad:
                return len(data), None
        else:  # a comment runs to the end of its line
            line = _LINE_END.search(data, m.end())
            pos = len(data) if line is None else line.end()


def _blanked(text: bytes) -> bytes:
    """An object's text with each string and comment replaced by `()`: what is left is structure. Hex strings
    are passed over whole (a `(` inside one starts no string, as for a reader)."""
    out, pos = [], 0
    while True:
        m = _LEXICAL.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return b"".join(out)
        token = m.group(0)
        if token == b"<<":
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        if token == b"<":
            close = text.find(b">", m.end())
            end = len(text) if close < 0 else close + 1
            out.append(text[pos:end])
            pos = end
            continue
        out.append(text[pos:m.start()] + b"()")
        if token == b"(":
            try:
                pos = _string(text, m.start())[1]
            except _Bad:
                return b"".join(out)
        else:
            line = _LINE_END.search(text, m.end())
            pos = len(text) if line is None else line.end()


def _string(data: bytes, pos: int) -> tuple[bytes, int]:
    """A literal string from its `(` at `pos`: balanced parentheses, a backslash escaping what follows."""
    level, at = 1, pos + 1
    while level:
        m = _STRING_PART.search(data, at)
        if m is None:
            raise _Bad(len(data))
        if data[m.start()] == 0x5C:
            at = m.start() + 2
            continue
        level += 1 if data[m.start()] == 0x28 else -1
        at = m.end()
    return data[pos + 1:at - 1], at


# -- decoders --------------------------------------------------------------------------------------------------------

def _decode(data: bytes, stream: _Stream, budget: int, keep: bool = False) -> tuple[int, bytes]:
    """Decoded size of `stream` through its whole chain, counted up to one byte past `budget`; the bytes
    themselves only when asked (object streams, which are small)."""
    source: Iterator[bytes | memoryview] = _raw(data, stream.start, stream.start + stream.packed)
    for kind, param in zip(stream.chain, stream.params):
        source = _DECODERS[kind](source, param)
    size, kept = 0, []
    for chunk in source:
        size += len(chunk)
        if keep:
            kept.append(bytes(chunk))
        if size > budget:
            return size, b""
    return size, b"".join(kept)


def _raw(data: bytes, start: int, end: int) -> Iterator[memoryview]:
    view = memoryview(data)
    for at in range(start, min(end, len(data)), _READ):
        yield view[at:min(at + _READ, end)]  # no copy; most streams end in the first read


def _flate(source: Iterator[bytes | memoryview], _param: Any) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for chunk in source:
            pending: bytes | memoryview = chunk
            while True:
                out = inflater.decompress(pending, _CHUNK)
                if out:
                    yield out
                if inflater.eof:
                    return
                pending = inflater.unconsumed_tail
                if not pending and len(out) < _CHUNK:
                    break  # this input is used up and nothing waits to come out
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error:
        return  # a damaged stream: a reader stops there too


def _lzw(source: Iterator[bytes | memoryview], param: Any) -> Iterator[bytes]:
    """PDF's LZW: codes from 9 to 12 bits, most significant bit first, 256 clears, 257 ends; EarlyChange 1
    (the default) widens codes one entry early."""
    early = param.get(b"EarlyChange", 1) if isinstance(param, dict) else 1
    early = 1 if not isinstance(early, int) or early else 0
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, held, previous = 9, 0, 0, b""
    out = bytearray()
    for chunk in source:
        for byte in bytes(chunk):
            bits = (bits << 8) | byte
            held += 8
            while held >= width:
                held -= width
                code = bits >> held
                bits &= (1 << held) - 1
                if code == 256:
                    del table[258:]
                    width, previous = 9, b""
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if code < len(table):
                    entry = table[code]
                    if previous and len(table) < 4096:
                        table.append(previous + entry[:1])
                elif code == len(table) and previous:
                    entry = previous + previous[:1]
                    table.append(entry)
                else:
                    yield bytes(out)
                    return  # a code no table has: the stream is damaged
                out += entry
                previous = entry
                if len(table) + early >= 1 << width and width < 12:
                    width += 1
                if len(out) >= _CHUNK:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


def _ahx(source: Iterator[bytes | memoryview], _param: Any) -> Iterator[bytes]:
    """Hex digits to bytes until `>`; anything else is passed over, as PDFium does."""
    carry = b""
    for chunk in source:
        raw = bytes(chunk)
        end = raw.find(b">")
        digits = carry + re.sub(rb"[^0-9A-Fa-f]", b"", raw if end < 0 else raw[:end])
        even = len(digits) // 2 * 2
        if even:
            yield binascii.unhexlify(digits[:even])
        carry = digits[even:]
        if end >= 0:
            break
    if carry:
        yield binascii.unhexlify(carry + b"0")


_A85_GROUPS = re.compile(rb"(?:z|[!-u]{5})*")


def _a85(source: Iterator[bytes | memoryview], _param: Any) -> Iterator[bytes]:
    """ASCII85: groups of five characters, `z` for four zero bytes, white space passed over, `~>` or any other
    character the end."""
    carry = b""
    for chunk in source:
        raw = bytes(chunk).translate(None, _WHITE)
        stop = re.search(rb"[^!-uz]", raw)
        text = carry + (raw if stop is None else raw[:stop.start()])
        groups = _A85_GROUPS.match(text)
        whole = groups.group(0) if groups is not None else b""
        carry = text[len(whole):]
        if whole:
            try:
                yield base64.a85decode(whole)
            except ValueError:
                return
        if stop is not None or b"z" in carry:
            break
    carry = carry.replace(b"z", b"")
    if len(carry) > 1:
        try:
            yield base64.a85decode(carry + b"u" * (5 - len(carry)))[:len(carry) - 1]
        except ValueError:
            return


def _rl(source: Iterator[bytes | memoryview], _param: Any) -> Iterator[bytes]:
    """RunLength: a length byte n, then n + 1 bytes to copy (n < 128) or one byte to repeat 257 - n times;
    128 ends."""
    held = b""
    out = bytearray()
    for chunk in source:
        held += bytes(chunk)
        at, size = 0, len(held)
        while at < size:
            n = held[at]
            if n == 128:
                yield bytes(out)
                return
            if n < 128:
                if at + n + 2 > size:
                    break
                out += held[at + 1:at + n + 2]
                at += n + 2
            else:
                if at + 2 > size:
                    break
                out += held[at + 1:at + 2] * (257 - n)
                at += 2
            if len(out) >= _CHUNK:
                yield bytes(out)
                out.clear()
        held = held[at:]
    yield bytes(out)


def _passed(source: Iterator[bytes | memoryview], _param: Any) -> Iterator[bytes | memoryview]:
    yield from source


_DECODERS: dict[str, Callable[[Iterator[Any], Any], Iterator[Any]]] = {
    "flate": _flate, "lzw": _lzw, "ahx": _ahx, "a85": _a85, "rl": _rl, "crypt": _passed}
