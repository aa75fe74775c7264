"""Extraction never raises on arbitrary text: untrusted input becomes warnings, not tracebacks."""
from hypothesis import HealthCheck, given, settings
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
