"""The visible gold as a ratchet: no figure, overall or per gold file, may fall below its committed floor."""
import json

import pytest

from .conftest import need_shared, policydiff_cmd
from .gold import FLOORS, figures, raised, shortfalls


@pytest.fixture(scope="module")
def current():
    return figures(need_shared(), policydiff_cmd())


def test_no_gold_figure_falls_below_its_floor(current):
    floors = json.loads(FLOORS.read_text())
    assert not shortfalls(current, floors), "\n".join(shortfalls(current, floors))


def test_every_gold_file_has_a_floor(current):
    """A gold file added to ../shared must get floors too, or it would be scored by nobody."""
    floors = json.loads(FLOORS.read_text())
    for mode in ("extract", "compare", "diff"):
        assert set(current[mode]["files"]) <= set(floors[mode]["files"]), mode


def test_the_ratchet_only_moves_up():
    floors = {"extract": {"overall": {"threshold": 0.5}, "files": {"a": {"threshold": 0.9}}},
              "compare": {"overall": 0.4, "files": {"c": 0.4}}, "diff": {"overall": 0.5, "files": {}}}
    now = {"extract": {"overall": {"threshold": 0.6}, "files": {"a": {"threshold": 0.8}}},
           "compare": {"overall": 0.3, "files": {"c": 0.7}}, "diff": {"overall": 0.56789, "files": {}}}
    up = raised(now, floors)
    assert up["extract"]["overall"]["threshold"] == 0.6 and up["extract"]["files"]["a"]["threshold"] == 0.9
    assert up["compare"]["overall"] == 0.4 and up["compare"]["files"]["c"] == 0.7
    assert up["diff"]["overall"] == 0.567
    assert shortfalls(now, floors) == ["extract a threshold: 0.800 < floor 0.900", "compare overall: 0.300 < floor 0.400"]
