"""Extraction never raises on arbitrary text: untrusted input becomes warnings, not tracebacks."""
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policydiff.errors import ExtractionError
from policydiff.extractor import extract_bytes

policy_words = st.sampled_from([
    "I.", "A.", "1.", "a)", "(i)", "-", "•", "and", "or", "AND", "Policy:", "EXCLUSIONS", "must satisfy all of the following:",
    "at least two of", "≤", "≥", "<", "5 cm", "PSA", "ng/ml", "T2b or below", "stage T1-T3", "Stage IV", "CPT 47371",
    "Effective Date: 07/12/2024", "BMI", "18 years of age or older", "\n", "\n\n", "   ", ":", ";", "Diagnosis",
])
documents = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(policy_words, st.text(max_size=12)), max_size=120).map(" ".join),
)


@given(documents)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_extraction_never_raises(text):
    try:
        policy = extract_bytes(text.encode("utf-8"), "fuzz.txt")
    except ExtractionError:
        return  # empty or binary-looking input is reported, which is the contract
    assert isinstance(policy.warnings, tuple)


# -- the text reader on arbitrary unicode and whitespace --------------------------------------------------------------
# Runs of any width of any whitespace the genre produces (tabs, no-break and ideographic spaces, form feeds,
# carriage returns, line and paragraph separators), mixed with arbitrary code points and the marks that
# the reader's patterns look for. The deadline is the point: no input may make one example slow.

WHITESPACE = " \t\u00a0\u2002\u2003\u2009\u3000\r\n\f\v\u2028\u2029\u200b\ufeff"
MARKUP = ["|", "---", ":--", "#", "*", "**", "-", "1.", "^{", "[", "]", "†", "<http://", ">", "•", "\x00", "\u202e"]
whitespace_runs = st.text(alphabet=WHITESPACE, min_size=1, max_size=3000)
pieces = st.one_of(whitespace_runs, st.text(max_size=40), st.sampled_from(MARKUP))
hostile_text = st.lists(pieces, min_size=1, max_size=60).map("".join)


@given(hostile_text)
@example("0\xa0**\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa00")  # Markdown's "**" removed between two runs of spaces
@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
def test_text_reader_is_fast_and_total_on_any_unicode_and_whitespace(text):
    from policydiff.extractor.read.clean import MAX_GAP
    from policydiff.extractor.read import read_bytes
    from policydiff.normalized.text import CONTROLS, FORMATTING

    invisible = re.compile(f"[{CONTROLS}{FORMATTING}]")

    try:
        doc = read_bytes(text.encode("utf-8"), "fuzz.txt")
    except ExtractionError:
        return
    from policydiff.extractor.read.text import markdown_lines, text_lines

    # as read, and as both readers would read it whatever its content looks like
    for lines in (doc.lines, text_lines(text), markdown_lines(text)):
        for line in lines:
            assert " " * (MAX_GAP + 1) not in line.text  # runs are capped, so later patterns stay linear
            assert not invisible.search(line.text)  # no control, zero-width or bidi character survives


@given(st.lists(st.one_of(st.text(max_size=30), st.binary(max_size=30)), max_size=30))
@settings(max_examples=200, deadline=1000)
def test_decoding_is_per_line(parts):
    """Lines that are UTF-8 come back as written, whatever bytes the other lines hold."""
    from policydiff.extractor.read import decode_text

    raw_lines = [p.encode("utf-8").replace(b"\n", b" ") if isinstance(p, str) else p.replace(b"\n", b" ")
                 for p in parts]
    text, fallback = decode_text(b"\n".join(raw_lines))
    decoded = text.split("\n")
    assert len(decoded) == max(1, len(raw_lines))
    for number, raw in enumerate(raw_lines, start=1):
        try:
            expected = raw.decode("utf-8")
        except UnicodeDecodeError:
            assert number in fallback
            continue
        assert number not in fallback and decoded[number - 1] == expected
