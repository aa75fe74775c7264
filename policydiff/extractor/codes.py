"""CPT / HCPCS codes: which the policy lists, their descriptions, which need prior approval.

A five-digit number is a code only where the document says so: inside a
coding section, or in a sentence that names CPT/HCPCS or "code(s)". That
keeps ZIP codes, phone numbers and years out.
"""
from __future__ import annotations

import re

from ..normalized.schema import Code

CPT = r"\d{4}[0-9FTUM]"
HCPCS = r"[A-V]\d{4}"
_CODE = re.compile(rf"(?<![\w./-])({CPT}|{HCPCS})(?![\w/-])")
_ENTRY_CODE = rf"\(?\b(?:{CPT}|{HCPCS})\b\)?"
_CATALOGUE = re.compile(rf"^(?P<name>[A-Za-z].{{1,80}}?)\s*[-–:]?\s*"
                        rf"(?P<codes>{_ENTRY_CODE}(?:\s*[,;/]?\s*{_ENTRY_CODE})*)"
                        rf"(?:\s{{2,}}(?P<rest>[A-Z].*))?\s*$")
_CODE_CONTEXT = re.compile(r"\b(?:cpt|hcpcs|codes?|procedure codes?)\b", re.I)
_GLUED = re.compile(rf"(?<=[A-Za-z)\]])({CPT}|{HCPCS})\s*$")
"""A code table whose cell border was lost in extraction: "ABL1 mutation analysis81170"."""
_TABLE_ROW = re.compile(rf"^\s*({CPT}|{HCPCS})(?:\b|(?<=\d)(?=[A-Za-z]))\s*[-–:]?\s*(?P<desc>[A-Za-z].*)?$")
"""A code table row: "47371 Laparoscopy, liver", or glued where the cell border was lost ("81105Human ...")."""
_PRIOR_AUTH = re.compile(r"\b(?:prior\s+(?:approval|authori[sz]ation)|pre-?(?:certification|authori[sz]ation)|"
                         r"precertification)\b[^.]*\b(?:required|requires|needed)\b|\brequires?\s+prior\s+"
                         r"(?:approval|authori[sz]ation)\b", re.I)
_NOT_REQUIRED = re.compile(r"\bnot\s+(?:be\s+)?required\b", re.I)


def catalogue_entry(text: str) -> tuple[str, tuple[str, ...], str] | None:
    """"Guardant Reveal  0569U" → ("Guardant Reveal", ("0569U",), ""): a test or product named with its code,
    the way catalogue policies head each entry; a description set beside it in the same table row is the
    third part. A trailing "(Vendor)" is left out of the name."""
    m = _CATALOGUE.match(text.strip())
    if not m or len(m.group("name").split()) > 8:
        return None
    name = m.group("name").strip(" (-–:")
    name = re.sub(r"\s*\([^()]*\)$", "", name) or name
    return name, tuple(re.findall(rf"{CPT}|{HCPCS}", m.group("codes"))), (m.group("rest") or "").strip()


def _system(code: str) -> str:
    return "HCPCS" if code[0].isalpha() else "CPT"


def codes_in(text: str) -> list[str]:
    """Codes named in one sentence, in order; empty unless the sentence speaks of codes."""
    if not _CODE_CONTEXT.search(text):
        return []
    return list(dict.fromkeys(m.group(1) for m in _CODE.finditer(text)))


def read_codes(coding_lines: list[str], other_text: list[str]) -> list[Code]:
    """All codes with descriptions (from coding tables) and prior-approval flags (from any sentence)."""
    found: dict[str, dict] = {}

    def note(code: str, description: str | None = None) -> None:
        entry = found.setdefault(code, {"description": None, "prior_auth": False})
        if description and not entry["description"]:
            entry["description"] = description

    last: str | None = None
    for line in coding_lines:
        row = _TABLE_ROW.match(line)
        if row:
            last = row.group(1)
            note(last, (row.group("desc") or "").strip() or None)
            continue
        glued = _GLUED.search(line)
        if glued and not _TABLE_ROW.match(line):
            note(glued.group(1), line[:glued.start()].strip() or None)
            last = None
            continue
        in_line = [m.group(1) for m in _CODE.finditer(line)]
        words = re.findall(r"[\w]+", line)
        if in_line and (_CODE_CONTEXT.search(line) or len(in_line) * 2 >= len(words) - line.lower().count("and")):
            for code in in_line:
                note(code)
            last = None
        elif last and line.strip() and line[:1].islower() and found[last]["description"]:
            found[last]["description"] = f"{found[last]['description']} {line.strip()}"
    for sentence in other_text:
        for code in codes_in(sentence):
            note(code)
    for sentence in other_text + coding_lines:
        if _PRIOR_AUTH.search(sentence) and not _NOT_REQUIRED.search(sentence):
            for code in codes_in(sentence):
                note(code)
                found[code]["prior_auth"] = True
    return [Code(code, _system(code), entry["description"], entry["prior_auth"])
            for code, entry in sorted(found.items())]
