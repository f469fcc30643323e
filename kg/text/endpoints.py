"""Endpoint types from an outcome's measure (and, when the measure is unclear, its description).

``classify_endpoint("Objective Response Rate (ORR)")`` returns an :class:`EndpointMatch`
whose ``code`` is the ``skos:notation`` of an endpoint type in
``ontology/vocab/endpoints.ttl`` (``"ORR"``), the code the record contract carries.
The vocabulary is the one source of truth for names: every ``rdfs:label``,
``skos:altLabel`` and ``skos:notation`` there is a synonym here. It is read once,
lazily, and cached.

How a measure is read (all rules are about precision: when unsure, return None):

* Text is matched against every synonym, hyphen- and space-insensitively, with British
  and American spellings and a few frequent misspellings ("progession") folded.
  Abbreviation-like synonyms (no space, at most six characters, two or more capitals:
  ``OS``, ``DoR``, ``pCR``) match case-sensitively; everything else ignores case.
  Overlapping matches keep the longest ("pathological complete response" beats
  "complete response").
* Parenthesised text is read second: "Duration of Treatment (DOR)" is a duration of
  treatment, but a narrower type in the parenthesis refines the main text
  ("Progression Free Survival (PFS2)" is PFS2). Parentheses alone are used when the
  rest of the measure is short ("(Cmax)").
* Components give way to composites: "ORR, defined as complete response (CR) or partial
  response" is ORR, not CR. Dose-finding outranks adverse events (MTD > DLT > AE), a
  narrower type outranks its broader one, and a clinical endpoint outranks a biomarker
  named beside it ("PFS in EGFR-mutant patients" is PFS).
* A measure that relates things ("Correlation between PD-L1 expression and ORR",
  "difference between responders and non-responders", "satisfaction with pain
  management") is a biomarker outcome when it names a biomarker, and None otherwise.
* Context can veto a hit: a site qualifier the vocabulary has no variant for ("CNS
  DFS", "local recurrence-free survival"), a modifier that turns a complete response
  into another response ("molecular CR/CRi", "incomplete complete response"), and "AUC"
  in a diagnostic-accuracy text (the area under a ROC curve).
* Family-only types (``tumour-response``, ``time-to-event`` ...: broader of others, no
  synonyms of their own) group the vocabulary and are never matched in text.
* A few phrasings that are not synonyms are read by rule: "proportion of patients with
  CR or PR" (ORR; with SD, DCR), a bare "Response rate" (ORR), a bare "Survival" or
  "One-year survival rate" (OS), a bare "Safety ..." (AE).
* Two or more different types left over means the measure is a composite or a list:
  None.
* Only when the measure yields nothing is the description read, by the same rules.

Landmarks of time-to-event endpoints are read from the measure ("6-month PFS rate",
"PFS rate at 18 months", "DFS at 2/3/5 years" -> the first one stated) with the
project's conventions: month = 30.4375 days, year = 365.25 days, week = 7 days.

>>> m = classify_endpoint("6-month progression-free survival (PFS) rate")
>>> (m.code, m.landmark_days)
('PFS', 182.625)
>>> classify_endpoint("Correlation analysis of circulating tumor cells (CTC) and ORR").code
'BIOMARKER'
>>> classify_endpoint("Relapse patterns") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = [
    "ENDPOINTS_FILE",
    "EndpointMatch",
    "EndpointType",
    "classify_endpoint",
    "endpoint_types",
    "synonym_pattern",
]

ENDPOINTS_FILE = Path(__file__).resolve().parents[2] / "ontology" / "vocab" / "endpoints.ttl"
TKG = "https://w3id.org/trialkg/ontology#"
ENDPOINT_BASE = "https://w3id.org/trialkg/vocab/endpoint/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}


@dataclass(frozen=True)
class EndpointType:
    """One endpoint type of the vocabulary."""

    id: str  # local id, the last segment of the IRI ("orr")
    code: str  # skos:notation, the record-contract code ("ORR")
    label: str
    synonyms: tuple[str, ...]  # label, notation and altLabels
    broader: tuple[str, ...] = ()  # ids of direct broader types
    requires_criteria: bool = False

    @property
    def iri(self) -> str:
        return ENDPOINT_BASE + self.id


@dataclass(frozen=True)
class EndpointMatch:
    """The endpoint type an outcome measures.

    ``code`` is the notation of the vocabulary term ``id``; ``family`` lists the codes
    of its broader types, nearest first. ``landmark_days`` is the landmark time of a
    time-to-event rate ("6-month PFS rate"), else None. ``evidence`` is the text that
    decided, and ``source`` says where it was found ("measure" or "description").
    """

    code: str
    id: str
    evidence: str
    landmark_days: float | None = None
    source: str = "measure"
    family: tuple[str, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------ synonym matching

# Length-preserving folds, so that match offsets stay valid on the original text.
_FOLD = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\u3001": ",",
        "\uff1a": ":", "\uff1b": ";", "\u2019": "'", "\u2018": "'", "\u00a0": " ",
        "\u3000": " ", "\uff3b": "[", "\uff3d": "]",
    }
)  # fmt: skip

# Spelling variants and frequent misspellings, applied to synonym words (not to the text).
_WORD_VARIANTS = {
    "tumour": r"tumou?r",
    "tumor": r"tumou?r",
    "tumours": r"tumou?rs",
    "tumors": r"tumou?rs",
    "haemoglobin": r"ha?emoglobin",
    "hemoglobin": r"ha?emoglobin",
    "haematological": r"ha?ematological",
    "progression": r"(?:prog(?:r?e|er)s{1,2}(?:i?s)?ion|progress)",
    "randomisation": r"randomi[sz]ation",
    "randomization": r"randomi[sz]ation",
    "survival": r"surv?ival",
    "generalized": r"generali[sz]ed",
}


def _is_abbreviation(synonym: str) -> bool:
    """Short, capitalised, space-free synonyms ("OS", "DoR", "pCR") match case-sensitively."""
    return (
        " " not in synonym and len(synonym) <= 6 and sum(1 for ch in synonym if ch.isupper()) >= 2
    )


def synonym_pattern(synonym: str) -> str:
    """The regular expression (without boundaries) that matches one synonym.

    Words may be joined by spaces, hyphens or nothing; a final plural is optional.

    >>> bool(re.fullmatch(synonym_pattern("progression-free survival"),
    ...                   "progression free survival", re.I))
    True
    >>> bool(re.fullmatch(synonym_pattern("toxicity"), "toxicities", re.I))
    True
    """
    words = [w for w in re.split(r"[\s\-]+", synonym.strip()) if w]
    parts = []
    for w in words:
        variant = _WORD_VARIANTS.get(w.lower())
        parts.append(variant if variant else re.escape(w))
    body = r"[\s\-]*".join(parts)
    last = words[-1] if words else ""
    if last[-1:].isalpha() and last.lower() not in _WORD_VARIANTS:
        if last[-1:] in "yY" and len(last) > 3:
            body = body[: -len(re.escape(last[-1]))] + r"(?:y|ies)"
        else:
            body += r"(?:e?s)?"
    elif last[-1:].isalpha():
        body += r"(?:e?s)?"
    return body


_RIGHT = r"(?![A-Za-z])"  # digits may follow: "AUC0-t", "SEP3"


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    key: str  # the vocabulary id the synonym belongs to
    text: str


_WORD_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]")


def _index_keys(synonym: str) -> set[str]:
    """Two-character keys under which a synonym is tried (spelling variants included)."""
    head = synonym[:2].lower()
    keys = {head}
    if head in ("ha", "he"):  # haemoglobin / hemoglobin
        keys |= {"ha", "he"}
    return keys


class SynonymMatcher:
    """Find non-overlapping, longest synonym hits of many terms in a text.

    Every synonym is compiled once and tried only at word starts whose first two
    characters can begin it, so the cost grows with the text, not with the vocabulary.
    """

    def __init__(self, synonyms: Iterable[tuple[str, str]]) -> None:
        """``synonyms`` is an iterable of ``(synonym, key)`` pairs."""
        seen: set[tuple[str, str, bool]] = set()
        self._index: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        for syn, key in synonyms:
            syn = syn.translate(_FOLD).strip()
            if not syn or not syn[0].isalnum():
                continue
            abbr = _is_abbreviation(syn)
            marker = (syn if abbr else syn.lower(), key, abbr)
            if marker in seen:
                continue
            seen.add(marker)
            rx = re.compile(synonym_pattern(syn) + _RIGHT, 0 if abbr else re.IGNORECASE)
            for k in _index_keys(syn):
                self._index.setdefault(k, []).append((rx, key))

    def find(self, text: str) -> list[_Hit]:
        """All hits in ``text``, longest first on overlap, in order of position."""
        folded = text.translate(_FOLD)
        hits: list[_Hit] = []
        for w in _WORD_START.finditer(folded):
            pos = w.start()
            for rx, key in self._index.get(folded[pos : pos + 2].lower(), ()):
                m = rx.match(folded, pos)
                if m:
                    hits.append(_Hit(pos, m.end(), key, text[pos : m.end()]))
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        chosen: list[_Hit] = []
        for h in hits:
            if all(h.end <= c.start or h.start >= c.end for c in chosen):
                chosen.append(h)
        chosen.sort(key=lambda h: h.start)
        return chosen


# ------------------------------------------------------------------ vocabulary


def _load_terms(path: Path, rdf_type: str) -> list[dict[str, object]]:
    """Read terms of one rdf:type from a vocabulary file (label, notation, altLabels...)."""
    from rdflib import RDF, Graph, URIRef

    g = Graph()
    g.parse(path, format="turtle")
    out = []
    for s in sorted(set(g.subjects(RDF.type, URIRef(rdf_type))), key=str):
        props: dict[str, list[object]] = {}
        for p, o in g.predicate_objects(s):
            props.setdefault(str(p), []).append(o)
        out.append({"iri": str(s), "props": props})
    return out


@lru_cache(maxsize=4)
def endpoint_types(path: str | None = None) -> dict[str, EndpointType]:
    """The endpoint vocabulary as ``{id: EndpointType}``, read once from Turtle.

    >>> endpoint_types()["orr"].code
    'ORR'
    """
    terms = _load_terms(Path(path) if path else ENDPOINTS_FILE, TKG + "EndpointType")
    out: dict[str, EndpointType] = {}
    for t in terms:
        iri = str(t["iri"])
        props: dict[str, list[object]] = t["props"]  # type: ignore[assignment]
        ident = iri.rsplit("/", 1)[-1]
        label = str(props.get(RDFS_LABEL, [ident])[0])
        code = str(props.get(SKOS + "notation", [ident])[0])
        alts = sorted(str(a) for a in props.get(SKOS + "altLabel", []))
        broader = tuple(
            sorted(str(b).rsplit("/", 1)[-1] for b in props.get(TKG + "broaderEndpointType", []))
        )
        requires = any(
            str(v).lower() == "true" for v in props.get(TKG + "requiresAssessmentCriteria", [])
        )
        out[ident] = EndpointType(ident, code, label, (label, code, *alts), broader, requires)
    return out


def endpoint_id_for_code(code: str) -> str | None:
    """The id of the endpoint type whose notation is ``code`` (``"ORR"`` -> ``"orr"``), or None."""
    for t in endpoint_types().values():
        if t.code == code:
            return t.id
    return None


def _ancestors(ident: str, types: dict[str, EndpointType]) -> list[str]:
    """Broader ids of ``ident``, nearest first, without repeats."""
    out: list[str] = []
    frontier = list(types[ident].broader) if ident in types else []
    while frontier:
        nxt: list[str] = []
        for b in frontier:
            if b not in out and b in types:
                out.append(b)
                nxt.extend(types[b].broader)
        frontier = nxt
    return out


def _grouping(types: dict[str, EndpointType]) -> set[str]:
    """Family-only types (broader of others, no synonyms of their own): never matched in text.

    "tumour response endpoint" groups ORR, DCR ...; its notation TUMOUR-RESPONSE would
    otherwise read "tumour response" in a measure as the family itself.
    """
    broader = {b for t in types.values() for b in t.broader}
    return {i for i in broader if i in types and len(set(types[i].synonyms)) <= 2}


@lru_cache(maxsize=4)
def _matcher(path: str | None = None) -> SynonymMatcher:
    types = endpoint_types(path)
    groups = _grouping(types)
    return SynonymMatcher(
        (syn, t.id) for t in types.values() if t.id not in groups for syn in t.synonyms
    )


# ------------------------------------------------------------------ rules

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "thirty-six": 36,
}  # fmt: skip
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?:months?|mos?|m|years?|yrs?|y|weeks?|wks?|w|days?|d)"
_LANDMARK_BEFORE = re.compile(
    rf"(?<![\w.])((?:{_NUM}\s*-?\s*(?:{_UNIT}\b)?\s*(?:,|and|or|/|&)\s*(?:and\s+)?)*"
    rf"{_NUM}\s*-?\s*{_UNIT})\b[\s\-]*(?:(?:rates?\s+of|the)\s+)?$",
    re.I,
)
_LANDMARK_AFTER = re.compile(
    rf"^\s*(?:rates?\s*)?(?:at|in|of)\s+({_NUM}(?:\s*(?:/|,|and|or)\s*{_NUM})*\s*-?\s*"
    rf"{_UNIT})\b",
    re.I,
)
_NUM_UNIT = re.compile(rf"\b({_NUM})(?:\s*-?\s*({_UNIT})\b)?", re.I)

_RELATION = re.compile(
    r"\b(?:correlat\w*|associat\w*|relationship|relation\s+between|differences?\s+between|"
    r"predict\w*|prognostic|satisfaction\s+with|knowledge|awareness|perceptions?|"
    r"attitudes?|understanding\s+of|beliefs?|fear\s+of|costs?\s+of|documentation\s+of|"
    r"preferences?)\b",
    re.I,
)
_SAFETY_CUE = re.compile(r"\bsafety\b", re.I)
_BARE_SURVIVAL = re.compile(
    rf"^\s*(?:the\s+)?(?:(?P<n>{_NUM})[\s\-]*(?P<u>years?|months?)[\s\-]+)?(?:overall\s+)?"
    r"survival(?:\s+rates?)?(?:\s+of\s+(?:the\s+)?(?:participants|patients|subjects))?"
    r"[\s.]*$",
    re.I,
)
_BARE_RESPONSE_RATE = re.compile(r"^\s*(?:the\s+)?(?:tumou?r\s+)?response\s+rates?[\s.]*$", re.I)
_PARAPHRASE = re.compile(
    r"(?:proportion|percentage|percent|number|rate)\s+of\s+(?:all\s+)?(?:the\s+)?"
    r"(?:patients|participants|subjects|cases|people)\b"
    r"(?:\s+(?:with|who|that|achieve[sd]?|achieving|had|have|has|a|an|the|best|overall|"
    r"objective|tumou?r|confirmed|response|responses|of|in|experiencing|experienced|"
    r"showing|attain(?:ed|ing)?|obtain(?:ed|ing)?)){0,8}\s+"
    r"(?:CR|complete\s+(?:response|remission))(?:\s*\(CR\))?\s*(?:,|or|and|/|\+)\s*"
    r"(?:PR|partial\s+(?:response|remission))(?:\s*\(PR\))?"
    r"(?P<sd>\s*(?:,|or|and|/|\+)\s*(?:(?:or|and)\s+)?(?:SD|stable\s+disease|disease\s+"
    r"stabili[sz]ation))?",
    re.I,
)
_SUM_FORMULA = re.compile(r"\b(?:ORR\s*=\s*)?(?:CR\s*\+\s*PR|PR\s*\+\s*CR)(?P<sd>\s*\+\s*SD)?\b")
_PART_CR = re.compile(r"\bCR\b|\bcomplete\s+(?:response|remission)", re.I)
_PART_PR = re.compile(r"\bPR\b|\bpartial\s+(?:response|remission)", re.I)
_PART_SD = re.compile(
    r"\bSD\b|\bstable\s+disease|\bdisease\s+stabili[sz]ation|"
    r"\blesion\s+stabili[sz]ation",
    re.I,
)
# A location qualifier the vocabulary has no variant for ("CNS DFS"): unsure.
_SITE_QUALIFIER = re.compile(
    r"(?:\bcns|\bintracranial|\bbrain|\bextracranial|\bcentral\s+nervous\s+system|"
    r"\blocal|\bloco-?regional|\bregional|\bnodal)[\s\-]*(?:\([^)]*\)\s*)?$",
    re.I,
)
# A modifier that makes a complete response something else ("molecular CR", "iCR").
_CR_MODIFIER = re.compile(
    r"(?:\b(?:incomplete|molecular|cytogenetic|stringent|immunophenotypic|metabolic|"
    r"radiological|hematologic(?:al)?|haematologic(?:al)?|morphologic(?:al)?|sustained|"
    r"minimal|durable)[\s\-]+)$",
    re.I,
)
# Diagnostic-accuracy context: "AUC" there is the area under a ROC curve, not exposure.
_DIAGNOSTIC = re.compile(
    r"\b(?:roc|receiver[\s\-]+operating|discriminat\w*|diagnostic|accuracy|sensitivity|"
    r"specificity|c[\s\-]?statistic|predictive\s+(?:value|performance))\b",
    re.I,
)
_SYMBOL_MARKER = re.compile(
    r"(?<![\w-])[A-Z][A-Z0-9]+(?:[-/][A-Z0-9]+)*\s+(?:expression|mutations?|amplification|"
    r"fusions?|methylation)\b(?![\s-]*(?:positive|negative|mutant|mutated))"
)
_PAREN = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]](?![\w\-])")

# Component types give way to any other tumour-response type named beside them.
_COMPONENTS = {"cr", "cri", "crh", "bor"}
# Higher rank wins when several of these are named together.
_SAFETY_RANK = {"mortality": 0, "ae": 1, "dlt": 2, "mtd": 3}


def _split_parentheses(text: str) -> tuple[str, str]:
    """Main text with parenthesised groups removed, and those groups' contents.

    A group glued to a following word or hyphen ("(IIEF)-5") stays in the main text.
    """
    inner: list[str] = []

    def keep(m: re.Match[str]) -> str:
        inner.append(m.group(1))
        return " "

    main = text
    for _ in range(3):  # nested groups, innermost first
        new = _PAREN.sub(keep, main)
        if new == main:
            break
        main = new
    return " ".join(main.split()), " ; ".join(inner)


def _to_days(n: str, unit: str) -> float | None:
    try:
        value = float(_NUMBER_WORDS.get(n.lower(), n))
    except ValueError:
        return None
    u = unit.lower()
    if u.startswith("mo") or u == "m":
        return value * DAYS_PER_UNIT["month"]
    if u.startswith("y"):
        return value * DAYS_PER_UNIT["year"]
    if u.startswith("w"):
        return value * DAYS_PER_UNIT["week"]
    if u.startswith("d"):
        return value
    return None


def _first_landmark(phrase: str) -> float | None:
    """The first time in a list such as "12-month, 18-month and 24-month" or "2/3/5 years"."""
    pairs = _NUM_UNIT.findall(phrase)
    if not pairs:
        return None
    last_unit = next((u for _, u in reversed(pairs) if u), "")
    n, unit = pairs[0]
    return _to_days(n, unit or last_unit)


def _landmark(text: str, hit: _Hit) -> float | None:
    """The landmark stated next to a time-to-event hit: "6-month PFS", "OS rate at 2 years"."""
    before = _LANDMARK_BEFORE.search(text[: hit.start])
    if before:
        return _first_landmark(before.group(1))
    after = _LANDMARK_AFTER.match(text[hit.end :])
    if after:
        return _first_landmark(after.group(1))
    return None


def _is_time_to_event(ident: str, types: dict[str, EndpointType]) -> bool:
    return ident == "time-to-event" or "time-to-event" in _ancestors(ident, types)


def _resolve(ids: list[str], types: dict[str, EndpointType]) -> list[str]:
    """Apply the precedence rules to the distinct ids found in one text; keep order."""
    ids = list(dict.fromkeys(ids))
    # components give way to composites of the tumour-response family
    response = [
        i for i in ids if "tumour-response" in _ancestors(i, types) or i == "tumour-response"
    ]
    if any(i not in _COMPONENTS for i in response):
        ids = [i for i in ids if i not in _COMPONENTS]
    if "pcr" in ids:
        ids = [i for i in ids if i != "cr"]
    # dose finding > DLT > AE > mortality
    ranked = [i for i in ids if i in _SAFETY_RANK]
    if len(ranked) > 1:
        top = max(ranked, key=_SAFETY_RANK.__getitem__)
        ids = [i for i in ids if i not in _SAFETY_RANK or i == top]
    # a narrower type refines its broader one
    ids = [i for i in ids if not any(i in _ancestors(j, types) for j in ids if j != i)]
    # a clinical endpoint named beside a biomarker is the endpoint
    if "biomarker" in ids and len(ids) > 1:
        ids = [i for i in ids if i != "biomarker"]
    return ids


def _drop_vetoed(hits: list[_Hit], region: str, text: str) -> list[_Hit]:
    """Remove hits whose context says they are something else.

    A site qualifier before a type without a site-specific variant ("CNS DFS", "local
    recurrence-free survival"), a modifier that turns a complete response into another
    response ("molecular CR/CRi", "incomplete complete response"; all response
    components of the phrase go), a complete response "with partial/incomplete recovery",
    and "AUC" in a diagnostic-accuracy text (area under a ROC curve).
    """
    out = list(hits)
    for h in hits:
        before = region[: h.start]
        if (
            (_SITE_QUALIFIER.search(before) and not h.key.startswith("ic-"))
            or (h.key == "pk" and h.text.upper().startswith("AUC") and _DIAGNOSTIC.search(text))
            or (h.key == "cr" and re.match(r"\s*with\s+(?:partial|incomplete)", region[h.end :]))
        ):
            out = [x for x in out if x is not h]
        elif h.key in _COMPONENTS and _CR_MODIFIER.search(before):
            out = [x for x in out if x.key not in _COMPONENTS]
    return out


@dataclass
class _Reading:
    ids: list[str]
    evidence: dict[str, _Hit]
    weak: str | None = None  # id suggested by a weak cue only
    weak_evidence: str = ""
    relation: bool = False


def _read(
    text: str, types: dict[str, EndpointType], path: str | None, measure: bool = True
) -> _Reading:
    """Everything the rules can say about one text (a measure, or a description)."""
    matcher = _matcher(path)
    main, inner = _split_parentheses(text)
    main_hits = _drop_vetoed(matcher.find(main), main, text)
    inner_hits = _drop_vetoed(matcher.find(inner), inner, text) if inner else []
    relation_at = _RELATION.search(main)
    evidence: dict[str, _Hit] = {}
    for h in main_hits + inner_hits:
        evidence.setdefault(h.key, h)
    ids = _resolve([h.key for h in main_hits], types)
    inner_ids = _resolve([h.key for h in inner_hits], types)
    if ids and inner_ids:
        # a narrower type in parentheses refines the main text ("PFS (PFS2)")
        refined = [j for j in inner_ids if any(i in _ancestors(j, types) for i in ids)]
        if len(refined) == 1 and len(ids) == 1:
            ids = refined
    elif (
        not ids
        and inner_ids
        and (len(main.split()) <= 8 or all(" " not in g.strip() for g in inner.split(" ; ")))
    ):
        ids = inner_ids
    for m in _SYMBOL_MARKER.finditer(main):
        evidence.setdefault("biomarker", _Hit(m.start(), m.end(), "biomarker", m.group(0)))
    # paraphrases of response rates
    para = _PARAPHRASE.search(text) or _SUM_FORMULA.search(text)
    if para:
        pid = "dcr" if para.group("sd") or (measure and _PART_SD.search(main)) else "orr"
        if not ids or set(ids) <= _COMPONENTS:
            ids = [pid]
            evidence[pid] = _Hit(para.start(), para.end(), pid, para.group(0))
    # response components named without a composite: CR + PR (+ SD) is ORR (DCR)
    if (
        measure
        and (not ids or set(ids) <= _COMPONENTS)
        and _PART_CR.search(text)
        and _PART_PR.search(text)
    ):
        pid = "dcr" if _PART_SD.search(text) else "orr"
        ids = [pid]
        evidence[pid] = _Hit(0, len(main), pid, main)
    reading = _Reading(ids, evidence)
    if relation_at:
        first_hit = min((h.start for h in main_hits), default=len(main))
        if relation_at.start() <= first_hit or not main_hits:
            reading.relation = True
            has_marker = "biomarker" in [h.key for h in main_hits] or bool(
                _SYMBOL_MARKER.search(main)
            )
            reading.ids = ["biomarker"] if has_marker else []
            return reading
    if not reading.ids:
        if _BARE_SURVIVAL.match(main):
            reading.weak, reading.weak_evidence = "os", main
        elif _BARE_RESPONSE_RATE.match(main):
            reading.weak, reading.weak_evidence = "orr", main
        elif _SAFETY_CUE.search(main):
            cue = _SAFETY_CUE.search(main)
            reading.weak, reading.weak_evidence = "ae", cue.group(0) if cue else "safety"
    return reading


def _match(
    ident: str,
    text: str,
    hit: _Hit | None,
    source: str,
    types: dict[str, EndpointType],
    evidence: str | None = None,
    landmark: float | None = None,
) -> EndpointMatch:
    t = types[ident]
    family = tuple(types[a].code for a in _ancestors(ident, types))
    if landmark is None and hit is not None and _is_time_to_event(ident, types):
        main, _ = _split_parentheses(text)
        if hit.text and hit.text in main:
            start = main.find(hit.text)
            landmark = _landmark(main, _Hit(start, start + len(hit.text), ident, hit.text))
        else:
            landmark = _landmark(text, hit)
    return EndpointMatch(
        code=t.code,
        id=ident,
        evidence=evidence if evidence is not None else (hit.text if hit else ""),
        landmark_days=landmark,
        source=source,
        family=family,
    )


def classify_endpoint(
    measure: str | None, description: str | None = None, *, vocabulary: str | None = None
) -> EndpointMatch | None:
    """The endpoint type an outcome measures, or None when unsure.

    ``measure`` decides; ``description`` is read only when the measure names no
    endpoint type (or only hints at one, as "Safety" does). ``vocabulary`` is an
    alternative endpoints Turtle file (for tests). Never raises on any text; an
    unreadable vocabulary file does raise, since that is a broken installation.

    >>> classify_endpoint("Overall response rate (ORR)").code
    'ORR'
    >>> classify_endpoint("Percentage of participants with treatment-emergent adverse events").code
    'AE'
    >>> classify_endpoint("To evaluate the efficacy", "ORR measured per RECIST 1.1").source
    'description'
    """
    endpoint_types(vocabulary)  # a missing or broken vocabulary raises: it is not text
    try:
        return _classify(measure, description, vocabulary)
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return None


def _classify(
    measure: str | None, description: str | None, path: str | None
) -> EndpointMatch | None:
    types = endpoint_types(path)
    measure = measure if isinstance(measure, str) else ""
    description = description if isinstance(description, str) else ""
    m = _read(measure, types, path) if measure.strip() else _Reading([], {})
    if len(m.ids) == 1:
        ident = m.ids[0]
        return _match(ident, measure, m.evidence.get(ident), "measure", types)
    if m.ids or m.relation:
        return None  # several types, or a relation without a biomarker: unsure
    d = _read(description, types, path, False) if description.strip() else _Reading([], {})
    if m.weak:
        # a weak cue in the measure stands unless the description contradicts it
        if d.relation:
            return None
        if d.ids and len(d.ids) == 1 and d.ids[0] != m.weak:
            if m.weak == "ae" and d.ids[0] in _SAFETY_RANK:
                return _match(d.ids[0], description, d.evidence.get(d.ids[0]), "description", types)
            if m.weak == "ae":
                return None
        landmark = None
        if m.weak == "os":
            bare = _BARE_SURVIVAL.match(_split_parentheses(measure)[0])
            if bare and bare.group("n"):
                landmark = _to_days(bare.group("n"), bare.group("u"))
        return _match(
            m.weak, measure, None, "measure", types, evidence=m.weak_evidence, landmark=landmark
        )
    if len(d.ids) == 1 and not d.relation and d.ids[0] not in _COMPONENTS:
        # a component alone in a description is part of another definition ("PR or CR")
        ident = d.ids[0]
        match = _match(ident, description, d.evidence.get(ident), "description", types)
        # a landmark belongs to the measure's wording; the description's is not asked for
        return EndpointMatch(match.code, match.id, match.evidence, None, match.source, match.family)
    return None
