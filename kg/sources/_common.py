"""Small helpers shared by the readers of ClinicalTrials.gov's older formats.

The legacy XML (``clinical_study``), the retired classic API JSON and the HINT
benchmark CSV spell enumerations the way the old website showed them
("Active, not recruiting", "Parallel Assignment", "Double (Participant,
Investigator)", "Anticipated", "April 15, 2019"). The record contract uses the
API v2 spellings ("ACTIVE_NOT_RECRUITING", "PARALLEL", "DOUBLE" +
["PARTICIPANT", "INVESTIGATOR"], "ESTIMATED", "2019-04-15"), so that the same
study read from any source gives the same record fields. Every function here
takes the source text (or None) and returns the v2 value, or None when the text
is empty or means "not stated" (``N/A`` for an age, for example).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.record import fold

BOM = b"\xef\xbb\xbf"

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTHS.update({name[:3]: num for name, num in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_DAY_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")  # April 15, 2019
_MONTH_DATE = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")  # April 2019
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")  # 2019-04 / 2019-04-15
_ANY_DATE = re.compile(r"([A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|[A-Za-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})")


def strip_bom(head: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte-order mark."""
    return head[len(BOM) :] if head.startswith(BOM) else head


def iso_date(text: str | None) -> str | None:
    """A ClinicalTrials.gov date as ISO text: "April 2019" -> "2019-04",
    "April 15, 2019" -> "2019-04-15"; ISO input is returned unchanged.

    Returns None for empty text and for text that is not a date (callers note it).

    >>> iso_date("April 15, 2019"), iso_date("April 2019"), iso_date("2019-04")
    ('2019-04-15', '2019-04', '2019-04')
    >>> iso_date("sometime") is None
    True
    """
    t = fold(text)
    if t is None:
        return None
    m = _ISO_DATE.match(t)
    if m:
        return t
    m = _DAY_DATE.match(t)
    if m:
        month = _MONTHS.get(m.group(1).lower())
        day = int(m.group(2))
        if month and 1 <= day <= 31:
            return f"{m.group(3)}-{month:02d}-{day:02d}"
        return None
    m = _MONTH_DATE.match(t)
    if m:
        month = _MONTHS.get(m.group(1).lower())
        if month:
            return f"{m.group(2)}-{month:02d}"
    return None


def iso_date_in(text: str | None) -> str | None:
    """The first date found inside a sentence, as ISO text.

    >>> iso_date_in("ClinicalTrials.gov processed this data on May 11, 2018")
    '2018-05-11'
    """
    t = fold(text)
    if t is None:
        return None
    for m in _ANY_DATE.finditer(t):
        iso = iso_date(m.group(1))
        if iso:
            return iso
    return None


def enum_value(text: str | None) -> str | None:
    """Upper snake case, the shape of API v2 enumerations.

    >>> enum_value("Active, not recruiting"), enum_value("Non-Randomized"), enum_value("N/A")
    ('ACTIVE_NOT_RECRUITING', 'NON_RANDOMIZED', 'NA')
    >>> enum_value("Dietary Supplement")
    'DIETARY_SUPPLEMENT'
    """
    t = fold(text)
    if t is None:
        return None
    t = t.replace("/", "")  # N/A -> NA
    out = re.sub(r"[^0-9A-Za-z]+", "_", t).strip("_").upper()
    return out or None


_STATUS = {"UNKNOWN_STATUS": "UNKNOWN"}


def status_value(text: str | None) -> str | None:
    """Overall recruitment status as the v2 enumeration ("Unknown status" -> UNKNOWN).

    >>> status_value("Active, not recruiting"), status_value("unknown status")
    ('ACTIVE_NOT_RECRUITING', 'UNKNOWN')
    """
    v = enum_value(text)
    return _STATUS.get(v, v) if v else None


def study_type_value(text: str | None) -> str | None:
    """Study type as the v2 enumeration; "N/A" (a withheld record) gives None.

    >>> study_type_value("Observational [Patient Registry]"), study_type_value("Expanded Access")
    ('OBSERVATIONAL', 'EXPANDED_ACCESS')
    """
    t = fold(text)
    if t is None:
        return None
    t = re.sub(r"\[.*?\]", " ", t)  # "[Patient Registry]" is a flag, not a type
    v = enum_value(t)
    return None if v in (None, "NA") else v


def intervention_model_value(text: str | None) -> str | None:
    """Intervention model as the v2 enumeration ("Parallel Assignment" -> PARALLEL).

    >>> intervention_model_value("Single Group Assignment")
    'SINGLE_GROUP'
    """
    v = enum_value(text)
    if v and v.endswith("_ASSIGNMENT"):
        v = v[: -len("_ASSIGNMENT")]
    return v


_PURPOSE = {"EDUCATIONAL_COUNSELING_TRAINING": "ECT"}


def primary_purpose_value(text: str | None) -> str | None:
    """Primary purpose as the v2 enumeration ("Supportive Care" -> SUPPORTIVE_CARE).

    >>> primary_purpose_value("Educational/Counseling/Training")
    'ECT'
    """
    t = fold(text)
    if t is None:
        return None
    v = enum_value(t.replace("/", " "))
    return _PURPOSE.get(v, v) if v else None


# Who is masked: the current names and the pre-2017 ones (Subject, Caregiver).
_WHO = {
    "SUBJECT": "PARTICIPANT",
    "CAREGIVER": "CARE_PROVIDER",
    "OUTCOME_ASSESSOR": "OUTCOMES_ASSESSOR",
}
_MASKING = {
    "NONE": "NONE",
    "OPEN_LABEL": "NONE",
    "NONE_OPEN_LABEL": "NONE",
    "SINGLE": "SINGLE",
    "SINGLE_BLIND": "SINGLE",
    "DOUBLE": "DOUBLE",
    "DOUBLE_BLIND": "DOUBLE",
    "TRIPLE": "TRIPLE",
    "TRIPLE_BLIND": "TRIPLE",
    "QUADRUPLE": "QUADRUPLE",
    "QUADRUPLE_BLIND": "QUADRUPLE",
}


def who_masked_value(text: str | None) -> str | None:
    """One masked party as the v2 enumeration ("Outcomes Assessor" -> OUTCOMES_ASSESSOR)."""
    v = enum_value(text)
    return _WHO.get(v, v) if v else None


def masking_value(text: str | None) -> tuple[str | None, list[str]]:
    """Masking level and masked parties from the legacy spelling.

    >>> masking_value("Double (Participant, Investigator)")
    ('DOUBLE', ['PARTICIPANT', 'INVESTIGATOR'])
    >>> masking_value("None (Open Label)")
    ('NONE', [])
    >>> masking_value("Double Blind (Subject, Caregiver)")
    ('DOUBLE', ['PARTICIPANT', 'CARE_PROVIDER'])
    """
    t = fold(text)
    if t is None:
        return None, []
    m = re.match(r"^([^(]*)\((.*)\)\s*$", t)
    level_text, who_text = (m.group(1), m.group(2)) if m else (t, "")
    level = enum_value(level_text)
    level = _MASKING.get(level, level) if level else None
    who: list[str] = []
    if level != "NONE":
        for part in who_text.split(","):
            w = who_masked_value(part)
            if w and w not in who:
                who.append(w)
    return level, who


def sex_value(text: str | None) -> str | None:
    """Eligible sex as the v2 enumeration (ALL, FEMALE, MALE; the old "Both" is ALL)."""
    v = enum_value(text)
    return "ALL" if v == "BOTH" else v


def age_value(text: str | None) -> str | None:
    """An age limit as text ("18 Years"); "N/A" and blanks (no limit) give None."""
    t = fold(text)
    if t is None or t.upper() in ("N/A", "NA", "NONE"):
        return None
    return t


def healthy_volunteers_value(text: str | None) -> bool | None:
    """Whether healthy volunteers are accepted ("Accepts Healthy Volunteers"/"Yes" -> True)."""
    v = enum_value(text)
    if v is None:
        return None
    if v in ("NO", "FALSE"):
        return False
    if v in ("YES", "TRUE", "ACCEPTS_HEALTHY_VOLUNTEERS"):
        return True
    return None


def enrollment_type_value(text: str | None) -> str | None:
    """Enrollment type as the v2 enumeration ("Anticipated"/"Estimate" -> ESTIMATED)."""
    v = enum_value(text)
    if v is None:
        return None
    if v in ("ANTICIPATED", "ESTIMATE", "ESTIMATED"):
        return "ESTIMATED"
    return v


_SPONSOR_CLASS = {
    "U_S_FED": "FED",
    "US_FED": "FED",
    "INDIVIDUAL": "INDIV",
    "OTHER_GOVERNMENT": "OTHER_GOV",
    "AMBIGUOUS": "AMBIG",
}


def sponsor_class_value(text: str | None) -> str | None:
    """Agency class as the v2 enumeration ("Industry" -> INDUSTRY, "U.S. Fed" -> FED)."""
    v = enum_value(text)
    return _SPONSOR_CLASS.get(v, v) if v else None


def raw_text(text: str | None) -> str | None:
    """Text kept unfolded (line structure intact) for later stages to split.

    Line endings become ``\\n``; blank lines at the start and whitespace at the end
    are dropped; indentation and inner blank lines are kept. None for blank text.
    """
    if text is None or not text.strip():
        return None
    t = text.replace("\r\n", "\n").replace("\r", "\n")
    t = re.sub(r"^(?:[ \t]*\n)+", "", t)
    return t.rstrip()


def unique(items: Iterable[str | None]) -> list[str]:
    """Folded, non-empty items in first-seen order, duplicates dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        t = fold(item)
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out
