"""The normalized schema, units and vocabulary: what extraction produces and diffs consume."""
from .schema import (
    Accounting,
    Code,
    Criterion,
    Dates,
    DocumentInfo,
    Group,
    Indication,
    Policy,
    Source,
    Threshold,
    Unread,
    from_dict,
    from_json,
    iter_criteria,
    iter_thresholds,
    json_schema,
    to_dict,
    to_json,
)
from .vocabulary import indication_key, slugify

__all__ = [
    "Accounting", "Code", "Criterion", "Dates", "DocumentInfo", "Group", "Indication", "Policy", "Source",
    "Threshold", "Unread",
    "from_dict", "from_json", "iter_criteria", "iter_thresholds", "json_schema", "to_dict", "to_json",
    "indication_key", "slugify",
]
