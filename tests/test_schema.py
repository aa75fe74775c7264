"""The normalized schema: exact JSON round trip, published JSON Schema, hashable values."""
import json

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from policydiff.extractor import extract
from policydiff.normalized.schema import (
    Code, Criterion, Dates, DocumentInfo, Group, Indication, Policy, Source, Threshold, from_json, json_schema, to_json,
)

from .conftest import EXAMPLES

text = st.text(max_size=30)
number = st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False, width=32))
value = st.one_of(number, text, st.tuples(number, number), st.tuples(text, text))
threshold = st.builds(Threshold, measure=text, op=st.sampled_from(["<", "<=", ">", ">=", "=", "between"]),
                      value=value, unit=st.one_of(st.none(), text), text=text)
source = st.one_of(st.none(), st.builds(Source, line=st.integers(1, 10_000), page=st.one_of(st.none(), st.integers(1, 999))))
criterion = st.builds(Criterion, text=text, thresholds=st.lists(threshold, max_size=2).map(tuple), source=source,
                      negated=st.booleans())
group = st.recursive(
    st.builds(Group, logic=st.sampled_from(["all", "any"]), items=st.lists(criterion, max_size=3).map(tuple)),
    lambda inner: st.builds(Group, logic=st.sampled_from(["all", "any"]),
                            items=st.lists(st.one_of(criterion, inner), max_size=3).map(tuple),
                            min=st.one_of(st.none(), st.integers(2, 4)), text=text,
                            thresholds=st.lists(threshold, max_size=1).map(tuple), source=source),
    max_leaves=8,
)
date = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))
policy = st.builds(
    Policy,
    payer=st.one_of(st.none(), text), policy_id=st.one_of(st.none(), text), title=st.one_of(st.none(), text),
    dates=st.builds(Dates, effective=date, revised=date, reviewed=date, original=date),
    codes=st.lists(st.builds(Code, code=text, system=text, description=st.one_of(st.none(), text),
                             prior_auth=st.booleans()), max_size=3).map(tuple),
    indications=st.lists(st.builds(Indication, key=text, label=text, criteria=group,
                                   status=st.sampled_from(["medically_necessary", "investigational"]),
                                   codes=st.lists(text, max_size=2).map(tuple), source=source), max_size=3).map(tuple),
    warnings=st.lists(text, max_size=2).map(tuple),
    document=st.builds(DocumentInfo, name=text, format=text, sha256=text, pages=st.one_of(st.none(), st.integers(0, 9))),
)


@given(policy)
@settings(max_examples=150, deadline=None)
def test_json_round_trip_is_exact(p):
    assert from_json(to_json(p)) == p
    assert to_json(from_json(to_json(p))) == to_json(p)


def test_extracted_policies_validate_against_the_published_schema():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in sorted(EXAMPLES.iterdir()):
        data = json.loads(to_json(extract(path)))
        jsonschema.validate(data, schema)


def test_policies_hash_and_compare_by_value():
    a = extract(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt")
    b = extract(EXAMPLES / "northwind__bariatric-surgery__2025-03-01.txt")
    assert a == b and hash(a) == hash(b)
