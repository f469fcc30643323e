"""Assessment criteria (RECIST 1.1, CTCAE v5.0, iRECIST ...) and assessors named in outcome text.

:func:`find_criteria` returns the criteria a text names, in order of first appearance and
without repeats, each resolved to a term of ``ontology/vocab/criteria.ttl`` (the one
source of truth for names: labels, notations and altLabels are the synonyms). Versions
are read after a family name in the spellings registries use ("RECIST v1.1",
"RECIST version 1.1", "RECIST1.1", "RECIST 1.1(each", "Response Evaluation Criteria in
Solid Tumors (RECIST) version 1.1", "NCI-CTCAE version 4.03", "CTCAE v5", "CTCAE5.0").
A versioned term is a vocabulary node whose ``skos:broader`` is the family and whose
``owl:versionInfo`` is the version; a version the vocabulary does not know ("CTCAE
v2.0") falls back to the unversioned family, never to a guess. When a text names a
family both with and without a version, only the versioned term is kept.

:func:`find_assessor` says who judged the outcome: ``"investigator"``, ``"BICR"``
(blinded independent central review, IRC, BIRC, independent review committee, central
reading) or ``"investigator and BICR"`` when both are named.

>>> [c.notation for c in find_criteria("Duration of Response by irRC and RECIST 1.1")]
['irRC', 'RECIST 1.1']
>>> find_assessor("Immune Response Criteria by irRECIST and as per BIRC")
'BICR'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.text.endpoints import SynonymMatcher, _load_terms

__all__ = [
    "BICR",
    "BOTH",
    "CRITERIA_FILE",
    "INVESTIGATOR",
    "Criteria",
    "CriteriaMatch",
    "criteria_terms",
    "find_assessor",
    "find_criteria",
]

CRITERIA_FILE = Path(__file__).resolve().parents[2] / "ontology" / "vocab" / "criteria.ttl"
TKG = "https://w3id.org/trialkg/ontology#"
CRITERIA_BASE = "https://w3id.org/trialkg/vocab/criteria/"
ENDPOINT_BASE = "https://w3id.org/trialkg/vocab/endpoint/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

INVESTIGATOR = "investigator"
BICR = "BICR"
BOTH = "investigator and BICR"


@dataclass(frozen=True)
class Criteria:
    """One assessment-criteria term of the vocabulary."""

    id: str
    notation: str
    label: str
    synonyms: tuple[str, ...]
    family: str | None = None  # id of the unversioned family (skos:broader)
    version: str | None = None  # owl:versionInfo of a versioned term
    applies_to: tuple[str, ...] = ()  # endpoint-type ids (tkg:appliesToEndpointType)

    @property
    def iri(self) -> str:
        return CRITERIA_BASE + self.id


@dataclass(frozen=True)
class CriteriaMatch:
    """A criteria term named in a text: its id, notation and the text that named it."""

    id: str
    notation: str
    evidence: str
    start: int = 0


@lru_cache(maxsize=4)
def criteria_terms(path: str | None = None) -> dict[str, Criteria]:
    """The criteria vocabulary as ``{id: Criteria}``, read once from Turtle.

    >>> criteria_terms()["recist-1.1"].version
    '1.1'
    """
    terms = _load_terms(Path(path) if path else CRITERIA_FILE, TKG + "AssessmentCriteria")
    out: dict[str, Criteria] = {}
    for t in terms:
        iri = str(t["iri"])
        props: dict[str, list[object]] = t["props"]  # type: ignore[assignment]
        ident = iri.rsplit("/", 1)[-1]
        label = str(props.get(RDFS_LABEL, [ident])[0])
        notation = str(props.get(SKOS + "notation", [ident])[0])
        alts = sorted(str(a) for a in props.get(SKOS + "altLabel", []))
        broader = [str(b).rsplit("/", 1)[-1] for b in props.get(SKOS + "broader", [])]
        version = props.get(OWL_VERSION)
        applies = tuple(
            sorted(str(a).rsplit("/", 1)[-1] for a in props.get(TKG + "appliesToEndpointType", []))
        )
        out[ident] = Criteria(
            ident,
            notation,
            label,
            (label, notation, *alts),
            broader[0] if broader else None,
            str(version[0]) if version else None,
            applies,
        )
    return out


def criteria_id_for_notation(notation: str) -> str | None:
    """The id of the criteria term whose notation is ``notation`` (``"RECIST 1.1"``), or None."""
    for c in criteria_terms().values():
        if c.notation == notation:
            return c.id
    return None


@lru_cache(maxsize=4)
def _matcher(path: str | None = None) -> SynonymMatcher:
    terms = criteria_terms(path)
    return SynonymMatcher((s, c.id) for c in terms.values() for s in c.synonyms)


@lru_cache(maxsize=4)
def _versions(path: str | None = None) -> dict[str, dict[str, str]]:
    """``{family id: {version: id}}`` for families that have versioned children."""
    out: dict[str, dict[str, str]] = {}
    for c in criteria_terms(path).values():
        if c.family and c.version:
            out.setdefault(c.family, {})[c.version] = c.id
    return out


# Words that may stand between a family name and its version number.
_SKIP = re.compile(
    r"\s*(?:[(),:]|\[|\]|\\|criteria|criterion|guidelines?|version|vers?\.?|v\.?|"
    r"toxicity|grading|scale|system|classification|NCI|recist|ctcae|-)\s*",
    re.I,
)
_VERSION = re.compile(r"\s*(?<!\d)(\d{4}|\d+(?:\.\d+)?)(?!\d)")


def _version_after(text: str, start: int) -> tuple[str, int] | None:
    """The version number written right after a family name, and where it ends."""
    pos = start
    for _ in range(8):
        m = _VERSION.match(text, pos)
        if m:
            return m.group(1).rstrip("."), m.end()
        skip = _SKIP.match(text, pos)
        if not skip or skip.end() == pos:
            return None
        pos = skip.end()
    return None


def _normalise_version(raw: str, known: dict[str, str]) -> str | None:
    """Map a written version onto a known one: "5" -> "5.0", "4.03" -> "4.03"."""
    if raw in known:
        return raw
    candidates = [raw + ".0"] if "." not in raw else []
    if raw.endswith(".0"):
        candidates.append(raw[:-2])
    for c in candidates:
        if c in known:
            return c
    return None


# Uppercase misspelling seen in registries ("RESIST v1.1"); the English verb stays alone.
_RESIST = re.compile(r"\bRESIST(?=\s*(?:v|version|criteria|\d))")
# "(IIEF)-5": the abbreviation glued to its short-form number; same length once rewritten.
_GLUED = re.compile(r"\(([A-Z]{2,8})\)-(\d)")


def find_criteria(text: str | None, *, vocabulary: str | None = None) -> list[CriteriaMatch]:
    """The assessment criteria named in ``text``, ordered by first appearance, de-duplicated.

    Never raises on any text (an unreadable vocabulary file does raise).

    >>> [c.notation for c in find_criteria("ORR per RECIST v1.1; AEs by NCI-CTCAE version 4.03")]
    ['RECIST 1.1', 'CTCAE v4.03']
    >>> [c.notation for c in find_criteria("per RECIST")]
    ['RECIST']
    """
    criteria_terms(vocabulary)  # a missing or broken vocabulary raises: it is not text
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        return _find(text, vocabulary)
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return []


def _find(text: str, path: str | None) -> list[CriteriaMatch]:
    terms = criteria_terms(path)
    versions = _versions(path)
    scan = _RESIST.sub("RECIST", text)
    scan = _GLUED.sub(lambda m: f" {m.group(1)}-{m.group(2)} ", scan)
    found: list[CriteriaMatch] = []
    for hit in _matcher(path).find(scan):
        ident = hit.key
        end = hit.end
        if ident in versions:
            written = _version_after(scan, hit.end)
            version = _normalise_version(written[0], versions[ident]) if written else None
            if written and version:
                ident, end = versions[ident][version], written[1]
        found.append(CriteriaMatch(ident, terms[ident].notation, text[hit.start : end], hit.start))
    # a family named with a version somewhere drops its unversioned mentions
    versioned_families = {terms[m.id].family for m in found if terms[m.id].family}
    out: list[CriteriaMatch] = []
    seen: set[str] = set()
    for m in found:
        if m.id in versioned_families or m.id in seen:
            continue
        seen.add(m.id)
        out.append(m)
    return out


# Abbreviations are matched case-sensitively ("irc" is not a committee); phrases are not.
_BICR_ABBR = re.compile(r"\b(?:BICR|BIRC|IRC|IRRC|IRF|BIRR)\b")
_BICR_PHRASE = re.compile(
    r"\bindependent(?:[\s,\-]+\w+){0,3}?[\s\-]+(?:review|reviewers?|readers?|reading|"
    r"radiolog\w*|assessment|committee)\b|"
    r"\bcentral(?:ly)?[\s\-]+(?:review\w*|reading|read|reader\w*|assess\w*|radiographic|"
    r"radiology|imaging)\b|"
    r"\bblinded[\s\-]+(?:independent[\s\-]+)?central\b",
    re.I,
)
_INVESTIGATOR = re.compile(
    r"\binvestigators?(?:'s?)?[\s\-]+(?:assess\w*|determin\w*|confirm\w*|review\w*|"
    r"evaluat\w*|read\w*|judg\w*)\b|"
    r"\b(?:assessed|determined|evaluated|confirmed|reviewed|judged|measured|rated|per|by|"
    r"according\s+to)\s+(?:the\s+)?(?:local\s+|treating\s+|site\s+|study\s+)?"
    r"investigators?\b|"
    r"\blocal(?:ly)?[\s\-]+(?:review\w*|assess\w*|reading|read)\b",
    re.I,
)


def find_assessor(text: str | None) -> str | None:
    """Who assessed the outcome: ``"investigator"``, ``"BICR"``, both, or None.

    >>> find_assessor("ORR by IRC using RECIST v1.1")
    'BICR'
    >>> find_assessor("PFS assessed by the investigator")
    'investigator'
    >>> find_assessor("Investigator's Global Assessment (IGA) score") is None
    True
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        bicr = bool(_BICR_ABBR.search(text) or _BICR_PHRASE.search(text))
        inv = bool(_INVESTIGATOR.search(text))
    except Exception:  # pragma: no cover
        return None
    if bicr and inv:
        return BOTH
    if bicr:
        return BICR
    if inv:
        return INVESTIGATOR
    return None
