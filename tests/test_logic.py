"""All / any / at-least-N from lead-ins and connectors."""
import pytest

from policydiff.extractor import logic


@pytest.mark.parametrize("text,expected", [
    ("must satisfy all of the following:", ("all", None, True)),
    ("Must satisfy any of the following: I - VIII", ("any", None, True)),
    ("must satisfy one of the following: A - D", ("any", None, True)),
    ("providing that at least one of the following medical criteria is met:", ("any", None, True)),
    ("must have both of the following: 1 and 2", ("all", None, True)),
    ("Either of the following:", ("any", None, True)),
    ("At least two of the following:", ("any", 2, True)),
    ("at least 3 of the following", ("any", 3, True)),
    ("two or more of the following criteria", ("any", 2, True)),
    ("Patient must have ONE of the following:", ("any", None, True)),
    ("AND ALL of the following:", ("all", None, True)),
    ("must satisfy all the following: 1 - 3", ("all", None, True)),
    ("providing the following medical criteria are met:", ("all", None, False)),
    ("Patient must have the following:", ("all", None, False)),
    ("Solitary kidney", None),
])
def test_cues(text, expected):
    cue = logic.find_cue(text)
    assert (cue if cue is None else (cue.logic, cue.min, cue.explicit)) == expected


@pytest.mark.parametrize("text,expected", [
    ("Tumors are accessible; and", ("Tumors are accessible;", "and")),
    ("Solitary kidney; or", ("Solitary kidney;", "or")),
    ("Disease stage T2b or below.", ("Disease stage T2b or below.", None)),
    ("destroyed by cryosurgery or", ("destroyed by cryosurgery", "or")),
    ("A and/or", ("A and/or", None)),
])
def test_trailing_connectors(text, expected):
    assert logic.trailing_connector(text) == expected


@pytest.mark.parametrize("text,expected", [("or", "or"), ("AND", "and"), ("-OR-", "or"), ("- and -", "and"),
                                           ("and the patient", None)])
def test_standalone_connectors(text, expected):
    assert logic.standalone_connector(text) == expected


def test_cue_and_connectors_agree_without_warning():
    r = logic.resolve(logic.find_cue("all of the following"), ["and", "and"], "X")
    assert (r.logic, r.warning) == ("all", None)


def test_connectors_alone_decide_when_there_is_no_cue():
    assert logic.resolve(None, ["or", "or"], "X").logic == "any"
    assert logic.resolve(None, ["and"], "X").logic == "all"


def test_disagreement_keeps_the_lead_in_and_warns_naming_the_place():
    r = logic.resolve(logic.find_cue("all of the following"), ["or", "and"], "Renal cell carcinoma")
    assert r.logic == "all" and "Renal cell carcinoma" in r.warning


def test_any_over_and_runs_groups_the_runs():
    """'A; and B; or C' under 'at least one of' is (A and B) or C."""
    r = logic.resolve(logic.find_cue("at least one of the following"), ["and", "or"], "Prostate")
    assert r.logic == "any" and r.runs == ((0, 1), (2,)) and r.warning


def test_no_cue_no_connectors_is_all_with_a_warning():
    r = logic.resolve(None, [None, None], "Section")
    assert r.logic == "all" and "Section" in r.warning
