"""One fictional policy per indication strategy (extractor/indications/heads.py `STRATEGIES`).

Each text is laid out the way one family of payer documents introduces its indications, in the project's
own words. The test names the strategy that must find the heads, and checks that the strategies before it
in `STRATEGIES` leave the layout to it (the order is the precedence).
"""
from __future__ import annotations

import pytest

from policydiff.extractor import furniture
from policydiff.extractor.indications import heads
from policydiff.extractor.outline import build_outline
from policydiff.extractor.read import read_bytes
from policydiff.extractor.sections import split_sections

SUB_HEADINGS = """# Lantern Health Dupilumab

## Coverage Criteria

### Asthma

Dupilumab is medically necessary when all of the following are met:

- The member is 12 years of age or older;
- Blood eosinophils of at least 150 cells/uL.

### Chronic Rhinosinusitis with Nasal Polyps

Dupilumab is medically necessary when all of the following are met:

- The member is 18 years of age or older;
- Tried intranasal corticosteroids for at least 8 weeks.

## References

1. None.
"""

DIAGNOSIS_BLOCKS = """Prior-Approval Requirements

Age 18 years of age or older

Diagnosis

Patient must have ONE of the following:
1. Relapsed or refractory large B-cell lymphoma
   a. Received at least 2 prior lines of therapy
2. Follicular lymphoma
   a. Received at least 3 prior lines of therapy
"""

LABELS = """Coverage Criteria

Minimal residual disease testing is covered for the conditions below.

Colorectal Cancer:
• Stage II-IV colorectal cancer; and
• Following curative-intent surgery
Breast Cancer:
• Stage IIb and higher breast cancer
"""

ONE_STATEMENT = """# Lantern Health Sleep Testing

## Coverage

### Home Sleep Apnea Testing

Home sleep apnea testing is medically necessary when all of the following are met:

- The member is 18 years of age or older;
- The member has an Epworth Sleepiness Scale score of 10 or more.

## References

1. None.
"""

PARALLEL_ITEMS = """Coverage Criteria

Harbor Point considers the procedures below medically necessary when the member meets the criteria listed.

I. Gastric banding for adults: the member must meet ALL of the following:
   A. Age 18 years or older; and
   B. BMI of 40 kg/m2 or more.
II. Gastric banding for adolescents: the member must meet ALL of the following:
   A. Age 13 to 17 years; and
   B. BMI of 45 kg/m2 or more.
"""

STATEMENTS = """Coverage Policy

Gadget therapy is considered medically necessary for the treatment of migraine when ALL of the following are met:
1. Age 18 years or older
2. At least 4 headache days per month

Gadget therapy is considered medically necessary for the treatment of cluster headache when ALL of the following are met:
1. Age 18 years or older
2. At least 2 attacks per week
"""

ENUMERATED_ITEMS = """Criteria

1. Asthma
   a. Age 12 years or older
   b. Blood eosinophils of at least 150 cells/uL
2. Nasal polyps
   a. Age 18 years or older
   b. Tried intranasal steroids for at least 8 weeks
"""

WHOLE_SECTION = """Medical Necessity Criteria

1. The member is 21 years of age or older; and
2. The member has had symptoms for at least 6 months.
"""


def coverage_scope(text: str, name: str) -> heads.Scope:
    doc = read_bytes(text.encode("utf-8"), name)
    lines = list(furniture.clean(doc).kept)
    sections = split_sections(lines, doc.layout)
    section = next(s for s in sections if s.role == "coverage")
    nodes = build_outline(section.lines, doc.layout, lines)
    finder = heads.HeadFinder("Fictional policy")
    named = section.heading.strip().lower() not in ("coverage", "coverage criteria", "coverage policy", "criteria",
                                                     "medical necessity criteria", "prior-approval requirements")
    return heads.Scope(tuple(nodes), section.heading, named, "", (), finder)


@pytest.mark.parametrize("strategy,text,name,labels", [
    (heads.sub_headings, SUB_HEADINGS, "p.md", ["Asthma", "Chronic Rhinosinusitis with Nasal Polyps"]),
    (heads.diagnosis_blocks, DIAGNOSIS_BLOCKS, "p.txt", ["Relapsed or refractory large B-cell lymphoma",
                                                         "Follicular lymphoma"]),
    (heads.labels, LABELS, "p.txt", ["Colorectal Cancer", "Breast Cancer"]),
    (heads.one_statement, ONE_STATEMENT, "p.md", ["Home Sleep Apnea Testing"]),
    (heads.parallel_items, PARALLEL_ITEMS, "p.txt", ["Gastric banding for adults", "Gastric banding for adolescents"]),
    (heads.statements, STATEMENTS, "p.txt", ["Gadget therapy for migraine", "Gadget therapy for cluster headache"]),
    (heads.enumerated_items, ENUMERATED_ITEMS, "p.txt", ["Asthma", "Nasal polyps"]),
    (heads.whole_section, WHOLE_SECTION, "p.txt", ["Medical Necessity Criteria"]),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_each_strategy_reads_its_layout_and_the_ones_before_it_leave_it(strategy, text, name, labels):
    scope = coverage_scope(text, name)
    found = strategy(scope)
    assert found is not None and [h.label for h in found] == labels
    earlier = heads.STRATEGIES[:heads.STRATEGIES.index(strategy)]
    for before in earlier:
        assert before(scope) is None, f"{before.__name__} took the layout of {strategy.__name__}"


def test_the_finder_tags_every_head_with_the_strategy_that_found_it():
    scope = coverage_scope(STATEMENTS, "p.txt")
    found = scope.finder.heads(scope.nodes, scope.context, scope.named, "")
    assert {h.strategy for h in found} == {"statements"}


def test_strategies_are_tried_in_a_stated_order():
    names = [s.__name__ for s in heads.STRATEGIES]
    assert names == ["sub_headings", "table_rows", "diagnosis_blocks", "labels", "one_statement", "parallel_items",
                     "statements", "enumerated_items", "whole_section"]
