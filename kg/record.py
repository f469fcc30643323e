"""The record contract: one :class:`TrialRecord` per trial, whatever the source.

Every reader in :mod:`kg.sources` yields these, the text stage fills the
understood fields (``agents``, ``endpoint``, ``criteria``, ``horizon_days`` ...)
and :mod:`kg.rdf` maps them to triples. ``TrialRecord.to_dict()`` is what
``trialkg parse`` prints, one JSON object per line; its keys are public (see
DESIGN.md): extend them, never rename or drop them.

Text fields are whitespace-folded (:func:`fold`) but otherwise verbatim.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

FORMATS = ("flat", "ctgov-json", "ctgov-csv", "ctgov-xml", "ctgov-classic-json", "hint-csv")
ROLES = ("primary", "secondary", "other")
# ClinicalTrials.gov API v2 phase enumeration; "NA" is "not applicable".
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")

_WS = re.compile(r"\s+")
# Lone UTF-16 surrogates (legal in JSON "\ud800" escapes) are not characters: they
# cannot be written as UTF-8 nor put in RDF, so they become U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")


def fold(text: Any) -> str | None:
    """Fold every run of whitespace to one space and strip the ends.

    Returns None for None and for text that is empty after folding, so that a
    missing value and a blank one read the same.

    >>> fold("  Overall\\n  survival ")
    'Overall survival'
    >>> fold("   ") is None
    True
    """
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    out = _WS.sub(" ", text).strip()
    if _SURROGATE.search(out):
        out = _SURROGATE.sub("\ufffd", out)
    return out or None


@dataclass
class Source:
    """Where a record came from: enough to find it again by hand."""

    path: str
    format: str
    position: str  # e.g. "line 1", "row 17", "studies[3]", "file"
    record_version: str | None = None  # e.g. the API's versionHolder or last update date
    extraction: str = "reader"


@dataclass
class Agent:
    """One drug (or drug class, for a generic mention) inside an intervention."""

    name: str  # canonical drug name, or class label for a class-level mention
    classes: list[str] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    id: str | None = None  # vocabulary id (e.g. "toripalimab", "class:pd1-inhibitor")
    kind: str = "drug"  # "drug" or "class" (generic mention resolved to a class only)
    mention: str | None = None  # the text it was resolved from


@dataclass
class Intervention:
    type: str  # API v2 enumeration: DRUG, BIOLOGICAL, DEVICE, PROCEDURE, RADIATION, ...
    name: str
    description: str | None = None
    other_names: list[str] = field(default_factory=list)
    arm_labels: list[str] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)


@dataclass
class Outcome:
    role: str  # primary | secondary | other
    measure: str
    description: str | None = None
    time_frame: str | None = None
    endpoint: str | None = None
    criteria: list[str] = field(default_factory=list)
    horizon_days: float | None = None
    # Filled by the text stage (extensions of the contract, see DESIGN.md):
    landmark_days: float | None = None  # "6-month PFS rate" -> 182.625
    assessor: str | None = None  # "investigator", "BICR", "investigator and BICR"
    # The parsed time frame: time_points, interval_days, interval_text, anchor,
    # event_driven, cycle_days, horizon_iso, unparsed (see kg.text.timeframe).
    timing: dict[str, Any] | None = None


@dataclass
class Arm:
    label: str
    type: str | None = None
    description: str | None = None
    interventions: list[str] = field(default_factory=list)


@dataclass
class TrialRecord:
    """One trial as every reader delivers it (see the module docstring)."""

    nct_id: str | None
    title: str
    source: Source
    conditions: list[str] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    enrollment: dict[str, Any] | None = None  # {"count": int, "type": "ACTUAL|ESTIMATED"|None}
    design: dict[str, Any] = field(default_factory=dict)
    eligibility: dict[str, Any] = field(default_factory=dict)
    arms: list[Arm] = field(default_factory=list)
    sponsor: dict[str, Any] | None = None  # {"name": ..., "class": ...}
    official_title: str | None = None
    acronym: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    status: str | None = None
    start_date: str | None = None
    completion_date: str | None = None
    keywords: list[str] = field(default_factory=list)
    collaborators: list[str] = field(default_factory=list)
    # NLM's MeSH descriptors as ClinicalTrials.gov derives them: [{"id": "D...", "term": ...}]
    condition_mesh: list[dict[str, str]] = field(default_factory=list)
    intervention_mesh: list[dict[str, str]] = field(default_factory=list)
    # Data-quality notes found while reading or understanding (kept, never fixed silently).
    notes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready contract form (plain dicts and lists, stable key order)."""
        return asdict(self)


@dataclass
class Rejection:
    """A record that could not be built: file, position and a reason a person can act on."""

    path: str
    position: str
    reason: str
    format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_phase(text: str | None) -> list[str]:
    """Map any phase spelling to the API v2 enumeration; unknown text maps to [].

    >>> normalize_phase("Phase 1/Phase 2")
    ['PHASE1', 'PHASE2']
    >>> normalize_phase("PHASE2, PHASE3")
    ['PHASE2', 'PHASE3']
    >>> normalize_phase("N/A")
    ['NA']
    """
    if not text:
        return []
    t = text.upper().replace("_", " ")
    out: list[str] = []
    if re.search(r"\bEARLY\s*PHASE\s*(1|I)\b", t):
        out.append("EARLY_PHASE1")
        t = re.sub(r"\bEARLY\s*PHASE\s*(1|I)\b", " ", t)
    for m in re.finditer(r"PHASE\s*([1-4]|IV|III|II|I)\b", t):
        v = {"I": "1", "II": "2", "III": "3", "IV": "4"}.get(m.group(1), m.group(1))
        p = f"PHASE{v}"
        if p not in out:
            out.append(p)
    if not out and re.search(r"\b(N/?A|NOT APPLICABLE)\b", t):
        out.append("NA")
    return out
