"""Resolve intervention names to drugs and drug classes: string in, agents out.

The lexicon is read once from ``ontology/vocab/drugs.ttl`` and
``ontology/vocab/drug_classes.ttl`` (the same files the graph is built from):
every ``rdfs:label`` and ``skos:altLabel`` becomes a key, normalised by
:func:`normalize` (case, hyphens, spaces, punctuation and Greek letters folded),
that points to one drug or one class.

:func:`resolve_intervention` scans a name for the longest known mention at each
token, so doses, salts and forms ("175 mg/m2", "HCl", "tablets") are simply
skipped, combinations ("A + B", "A plus B", "A/B", "A, B", "A combined with B")
give one agent per drug, and a generic mention ("anti-PD-1 antibody") gives a
class-level agent. Names it does not know give ``[]``: it never guesses.

>>> [a.id for a in resolve_intervention("anti-PD-1+Albumin-Bound Paclitaxel")]
['class:pd1-inhibitor', 'nab-paclitaxel']
>>> [a.id for a in resolve_intervention("FOLFOX")]
['fluorouracil', 'leucovorin', 'oxaliplatin']
>>> resolve_intervention("Placebo")
[]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import RdfFormat, parse

from kg.record import Agent

VOCAB_DIR = Path(__file__).resolve().parents[2] / "ontology" / "vocab"
DEFAULT_PATHS: tuple[Path, ...] = (VOCAB_DIR / "drug_classes.ttl", VOCAB_DIR / "drugs.ttl")

DRUG_BASE = "https://w3id.org/trialkg/vocab/drug/"
CLASS_BASE = "https://w3id.org/trialkg/vocab/class/"
CLASS_PREFIX = "class:"

_TKG = "https://w3id.org/trialkg/ontology#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

# External code IRIs -> (registry, code). Order matters only for readability.
_CODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ncit", re.compile(r"^http://purl\.obolibrary\.org/obo/NCIT_(C\d+)$")),
    ("chebi", re.compile(r"^http://purl\.obolibrary\.org/obo/CHEBI_(\d+)$")),
    ("drugbank", re.compile(r"^https://go\.drugbank\.com/drugs/(DB\d{5})$")),
    ("atc", re.compile(r"^https://identifiers\.org/atc:([A-Z0-9]+)$")),
    ("mesh", re.compile(r"^http://id\.nlm\.nih\.gov/mesh/([DC]\d+)$")),
)

# Regimen acronyms and multi-antibody products that name several agents at once.
# Values are drug ids, or class ids written "class:<id>". Keys are normalised.
REGIMENS: dict[str, tuple[str, ...]] = {
    "folfox": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "mfolfox": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "folfox4": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "folfox6": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "mfolfox6": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "mfolfox7": ("fluorouracil", "leucovorin", "oxaliplatin"),
    "folfiri": ("fluorouracil", "leucovorin", "irinotecan"),
    "mfolfiri": ("fluorouracil", "leucovorin", "irinotecan"),
    "folfirinox": ("fluorouracil", "leucovorin", "irinotecan", "oxaliplatin"),
    "mfolfirinox": ("fluorouracil", "leucovorin", "irinotecan", "oxaliplatin"),
    "folfoxiri": ("fluorouracil", "leucovorin", "oxaliplatin", "irinotecan"),
    "capox": ("capecitabine", "oxaliplatin"),
    "capeox": ("capecitabine", "oxaliplatin"),
    "xelox": ("capecitabine", "oxaliplatin"),
    "xeliri": ("capecitabine", "irinotecan"),
    "capiri": ("capecitabine", "irinotecan"),
    "sox": ("tegafur-gimeracil-oteracil", "oxaliplatin"),
    "flot": ("fluorouracil", "leucovorin", "oxaliplatin", "docetaxel"),
    "dcf": ("docetaxel", "cisplatin", "fluorouracil"),
    "tpf": ("docetaxel", "cisplatin", "fluorouracil"),
    "gemox": ("gemcitabine", "oxaliplatin"),
    "pgemox": ("pegaspargase", "gemcitabine", "oxaliplatin"),
    "chop": ("cyclophosphamide", "doxorubicin", "vincristine", "prednisone"),
    "rchop": ("rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone"),
    "cvp": ("cyclophosphamide", "vincristine", "prednisone"),
    "rcvp": ("rituximab", "cyclophosphamide", "vincristine", "prednisone"),
    "abvd": ("doxorubicin", "bleomycin", "vinblastine", "dacarbazine"),
    "bep": ("bleomycin", "etoposide", "cisplatin"),
    "beam": ("carmustine", "etoposide", "cytarabine", "melphalan"),
    "hypercvad": ("cyclophosphamide", "vincristine", "doxorubicin", "dexamethasone"),
    "mec": ("mitoxantrone", "etoposide", "cytarabine"),
    "cav": ("cyclophosphamide", "doxorubicin", "vincristine"),
    "bucy": ("busulfan", "cyclophosphamide"),
    "had": ("omacetaxine", "cytarabine", "daunorubicin"),
    "haa": ("omacetaxine", "cytarabine", "aclarubicin"),
    "flag": ("fludarabine", "cytarabine", "class:g-csf"),
    "flagida": ("fludarabine", "cytarabine", "class:g-csf", "idarubicin"),
    "cag": ("cytarabine", "aclarubicin", "class:g-csf"),
    "haag": ("omacetaxine", "cytarabine", "aclarubicin", "class:g-csf"),
    "vrd": ("bortezomib", "lenalidomide", "dexamethasone"),
    "rvd": ("lenalidomide", "bortezomib", "dexamethasone"),
    "ql1706": ("iparomlimab", "tuvonralimab"),
    "opdualag": ("nivolumab", "relatlimab"),
}

# Keys that are also ordinary words or loose acronyms ("Beam", "Bite", "HAD"): they only
# count when written with at least two capitals, as regimen acronyms are.
_CASED_KEYS = frozenset(
    {
        "bite",
        "beam",
        "flag",
        "had",
        "haa",
        "haag",
        "sox",
        "cag",
        "cav",
        "mec",
        "gem",
        "dcf",
        "tpf",
        "bep",
        "cvp",
        "chop",
        "flot",
        "vrd",
        "rvd",
        "bucy",
    }
)

# Mentions inside a part of the name that also says "placebo" are not agents given.
_PLACEBO = frozenset({"placebo", "placebos", "sham", "dummy"})

# Splits a combination into parts. Separators inside a known name never split it.
_SEPARATORS = re.compile(
    r"\s*(?:\+|\uff0b|/|,|;|\||\u3001|&|\u2192|->)\s*"
    r"|\s+(?:plus|and|or|without|with|versus|vs\.?|then|followed\s+by|combined\s+with|"
    r"in\s+combination\s+with|sequential(?:ly)?\s+(?:with|by))\s+",
    re.IGNORECASE,
)

# Doses, salts and dosage forms: stripped by strip_dose_and_form (the scanner skips them anyway).
_DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|\u00b5g|ug|ng|iu|units?|u|ml|l|mmol|gy|%)"
    r"(?:\s*/\s*(?:m2|m\u00b2|kg|day|d|ml|dose|week|wk))?\b",
    re.IGNORECASE,
)
_FORM_WORDS = (
    r"hydrochloride|dihydrochloride|hcl|mesylate|mesilate|maleate|malate|tosylate|citrate|sulfate|"
    r"sulphate|tartrate|acetate|phosphate|sodium|disodium|calcium|potassium|fumarate|succinate|"
    r"injection|injectable|infusion|tablets?|capsules?|oral|solution|suspension|for|cream|gel|"
    r"powder|lyophilized|concentrate|intravenous|iv|sc|po|qd|bid|tid|film-coated|coated|"
    r"extended-release|sustained-release|depot"
)
_FORM = re.compile(rf"\b(?:{_FORM_WORDS})\b", re.IGNORECASE)

_GREEK = str.maketrans({"\u03b1": "alpha", "\u03b2": "beta", "\u03b3": "gamma", "\u03ba": "kappa"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class DrugTerm:
    """One ``tkg:Drug`` of the vocabulary."""

    id: str
    label: str
    definition: str | None
    synonyms: tuple[str, ...]
    classes: tuple[str, ...]  # class ids (tkg:inDrugClass)
    codes: dict[str, str] = field(default_factory=dict)  # skos:exactMatch + tkg:meshId
    close_codes: dict[str, str] = field(default_factory=dict)  # skos:closeMatch
    formulation_of: str | None = None
    labels: tuple[str, ...] = ()  # every rdfs:label (a well-formed term has one)
    definitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassTerm:
    """One ``tkg:DrugClass`` of the vocabulary."""

    id: str
    label: str
    definition: str | None
    synonyms: tuple[str, ...]
    broader: tuple[str, ...]  # class ids (tkg:broaderDrugClass)
    codes: dict[str, str] = field(default_factory=dict)
    close_codes: dict[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    definitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """A span of the input that names a drug, a class or a regimen."""

    start: int
    end: int
    text: str
    kind: str  # "drug" | "class" | "regimen"
    id: str


@dataclass
class Lexicon:
    """The vocabulary in memory: terms by id and the normalised synonym index."""

    drugs: dict[str, DrugTerm]
    classes: dict[str, ClassTerm]
    index: dict[str, tuple[str, str]]  # normalised key -> (kind, id)
    collisions: list[tuple[str, tuple[str, str], tuple[str, str]]]  # key, kept, dropped
    max_tokens: int = 1


def normalize(text: str) -> str:
    """The lexicon key of a name: case, spaces, hyphens and punctuation folded away.

    >>> normalize("JS-001") == normalize("JS 001") == normalize("js001")
    True
    >>> normalize("Ivonescimab\\uff08AK112\\uff09")
    'ivonescimabak112'
    """
    return "".join(t for t, _, _ in _tokens(text))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_GREEK)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased alphanumeric tokens with their offsets in ``_fold(text)``.

    Tokens also break at lower/upper-case and letter/digit boundaries, so that
    "PaclitaxelLenvatinib" or "Paclitaxel175mg" expose their parts; keys are
    concatenations of tokens, so finer tokens never stop a match.
    """
    folded = _fold(text)
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(folded):
        start = m.start()
        word = m.group()
        cuts = [0, *(c.start() for c in _CAMEL.finditer(word)), len(word)]
        for a, b in zip(cuts, cuts[1:], strict=False):
            if b > a:
                out.append((word[a:b].lower(), start + a, start + b))
    return out


def canonical_mesh_id(mesh_id: str) -> str:
    """NLM's form of a MeSH id that ClinicalTrials.gov may give zero-padded.

    ClinicalTrials.gov pads old six-digit ids to nine digits ("D000017239" for
    "D017239"); descriptors from D067000 and supplementary records from C590000
    onwards genuinely have nine digits and are kept.

    >>> canonical_mesh_id("D000017239"), canonical_mesh_id("D000068258"), canonical_mesh_id("C000582435")
    ('D017239', 'D000068258', 'C582435')
    """
    m = re.fullmatch(r"([DC])(\d{9})", mesh_id.strip())
    if not m:
        return mesh_id.strip()
    prefix, digits = m.groups()
    value = int(digits)
    if (prefix == "D" and value < 67000) or (prefix == "C" and value < 590000):
        return f"{prefix}{value:06d}"
    return f"{prefix}{digits}"


def strip_dose_and_form(text: str) -> str:
    """Drop doses, salt names and dosage-form words, then fold whitespace.

    >>> strip_dose_and_form("Paclitaxel 175 mg/m2 injection")
    'Paclitaxel'
    >>> strip_dose_and_form("Anlotinib Hydrochloride Capsules")
    'Anlotinib'
    """
    out = _FORM.sub(" ", _DOSE.sub(" ", _fold(text)))
    out = re.sub(r"\(\s*\)", " ", out)
    return re.sub(r"\s+", " ", out).strip(" ,;:-")


def _code_of(iri: str) -> tuple[str, str] | None:
    for registry, pat in _CODE_PATTERNS:
        m = pat.match(iri)
        if m:
            return registry, m.group(1)
    return None


def _read_terms(
    paths: Iterable[Path],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    raw_drugs: dict[str, dict[str, Any]] = {}
    raw_classes: dict[str, dict[str, Any]] = {}

    def entry(subject: str) -> dict[str, Any] | None:
        if subject.startswith(DRUG_BASE):
            return raw_drugs.setdefault(subject[len(DRUG_BASE) :], _blank())
        if subject.startswith(CLASS_BASE):
            return raw_classes.setdefault(subject[len(CLASS_BASE) :], _blank())
        return None

    for path in paths:
        with open(path, "rb") as fh:
            for t in parse(fh, format=RdfFormat.TURTLE):
                s = t.subject.value
                e = entry(s)
                if e is None:
                    continue
                p, o = t.predicate.value, t.object
                if p == _RDF_TYPE:
                    e["types"].append(o.value)
                elif p == _RDFS_LABEL:
                    e["labels"].append(o.value)
                elif p == _SKOS + "definition":
                    e["definitions"].append(o.value)
                elif p == _SKOS + "altLabel":
                    e["synonyms"].append(o.value)
                elif p == _TKG + "inDrugClass" and o.value.startswith(CLASS_BASE):
                    e["classes"].append(o.value[len(CLASS_BASE) :])
                elif p == _TKG + "broaderDrugClass" and o.value.startswith(CLASS_BASE):
                    e["broader"].append(o.value[len(CLASS_BASE) :])
                elif p == _TKG + "formulationOf" and o.value.startswith(DRUG_BASE):
                    e["formulation_of"] = o.value[len(DRUG_BASE) :]
                elif p == _TKG + "meshId":
                    e["mesh_id"] = o.value
                elif p in (_SKOS + "exactMatch", _SKOS + "closeMatch"):
                    code = _code_of(o.value)
                    if code:
                        bucket = "codes" if p.endswith("exactMatch") else "close_codes"
                        e[bucket].setdefault(code[0], code[1])
    return raw_drugs, raw_classes


def _blank() -> dict[str, Any]:
    return {
        "types": [],
        "labels": [],
        "definitions": [],
        "synonyms": [],
        "classes": [],
        "broader": [],
        "codes": {},
        "close_codes": {},
        "formulation_of": None,
        "mesh_id": None,
    }


def _build(paths: Sequence[Path]) -> Lexicon:
    raw_drugs, raw_classes = _read_terms(paths)
    drugs: dict[str, DrugTerm] = {}
    for i, e in sorted(raw_drugs.items()):
        codes = dict(e["codes"])
        if e["mesh_id"]:
            codes["mesh"] = e["mesh_id"]
        drugs[i] = DrugTerm(
            id=i,
            label=e["labels"][0] if e["labels"] else i,
            definition=e["definitions"][0] if e["definitions"] else None,
            synonyms=tuple(sorted(e["synonyms"])),
            classes=tuple(sorted(e["classes"])),
            codes=codes,
            close_codes=dict(e["close_codes"]),
            formulation_of=e["formulation_of"],
            labels=tuple(e["labels"]),
            definitions=tuple(e["definitions"]),
        )
    classes: dict[str, ClassTerm] = {}
    for i, e in sorted(raw_classes.items()):
        classes[i] = ClassTerm(
            id=i,
            label=e["labels"][0] if e["labels"] else i,
            definition=e["definitions"][0] if e["definitions"] else None,
            synonyms=tuple(sorted(e["synonyms"])),
            broader=tuple(sorted(e["broader"])),
            codes=dict(e["codes"]),
            close_codes=dict(e["close_codes"]),
            labels=tuple(e["labels"]),
            definitions=tuple(e["definitions"]),
        )

    index: dict[str, tuple[str, str]] = {}
    collisions: list[tuple[str, tuple[str, str], tuple[str, str]]] = []
    max_tokens = 1

    def add(name: str, target: tuple[str, str]) -> None:
        nonlocal max_tokens
        toks = _tokens(name)
        key = "".join(t for t, _, _ in toks)
        if not key:
            return
        max_tokens = max(max_tokens, len(toks))
        kept = index.setdefault(key, target)
        if kept != target:
            collisions.append((key, kept, target))

    for d in drugs.values():
        for name in (*d.labels, *d.synonyms):
            add(name, ("drug", d.id))
    for c in classes.values():
        for name in (*c.labels, *c.synonyms):
            add(name, ("class", c.id))
    for key in REGIMENS:
        add(key, ("regimen", key))
    return Lexicon(drugs, classes, index, collisions, max_tokens)


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    return _build(DEFAULT_PATHS)


def load_lexicon(paths: Sequence[str | Path] | None = None) -> Lexicon:
    """The drug lexicon; with no ``paths`` the project's vocabulary, read once and cached."""
    if paths is None:
        return _default_lexicon()
    return _build(tuple(Path(p) for p in paths))


def drug_by_id(drug_id: str, lexicon: Lexicon | None = None) -> DrugTerm | None:
    """The drug with this vocabulary id (``"paclitaxel"``), or None."""
    return (lexicon or load_lexicon()).drugs.get(drug_id)


def class_by_id(class_id: str, lexicon: Lexicon | None = None) -> ClassTerm | None:
    """The class with this id (``"pd1-inhibitor"`` or ``"class:pd1-inhibitor"``), or None."""
    return (lexicon or load_lexicon()).classes.get(_bare_class_id(class_id))


def drug_iri(drug_id: str) -> str:
    """The IRI of a drug of the vocabulary.

    >>> drug_iri("nab-paclitaxel")
    'https://w3id.org/trialkg/vocab/drug/nab-paclitaxel'
    """
    return DRUG_BASE + drug_id


def class_iri(class_id: str) -> str:
    """The IRI of a drug class; accepts the ``class:`` prefix used in :class:`Agent` ids.

    >>> class_iri("class:pd1-inhibitor")
    'https://w3id.org/trialkg/vocab/class/pd1-inhibitor'
    """
    return CLASS_BASE + _bare_class_id(class_id)


def _bare_class_id(class_id: str) -> str:
    return class_id[len(CLASS_PREFIX) :] if class_id.startswith(CLASS_PREFIX) else class_id


def class_closure(class_id: str, lexicon: Lexicon | None = None) -> list[str]:
    """The class and all its broader classes, nearest first, each once.

    >>> class_closure("pd1-inhibitor")
    ['pd1-inhibitor', 'immune-checkpoint-inhibitor', 'pd1-pdl1-inhibitor', 'antineoplastic-agent']
    """
    lex = lexicon or load_lexicon()
    start = _bare_class_id(class_id)
    if start not in lex.classes:
        return []
    seen = [start]
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for c in frontier:
            term = lex.classes.get(c)
            for b in term.broader if term else ():
                if b not in seen:
                    seen.append(b)
                    nxt.append(b)
        frontier = nxt
    return seen


def _short_ok(key: str, folded: str, start: int, end: int) -> bool:
    # Keys of three characters or fewer ("AZA", "LV", "S-1") only count as whole words
    # written with a capital or a digit: never inside a code such as "BL-M07D1", and
    # never as an ordinary lower-case word.
    if key in _CASED_KEYS and sum(ch.isupper() for ch in folded[start:end]) < 2:
        return False
    if len(key) > 3:
        return True
    if (start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum()):
        return False
    return any(ch.isupper() or ch.isdigit() for ch in folded[start:end])


def find_mentions(text: str, lexicon: Lexicon | None = None) -> list[Mention]:
    """Every known drug, class or regimen named in ``text``, longest match first, left to right.

    >>> [(m.text, m.id) for m in find_mentions("Paclitaxel 175 mg/m2 + carboplatin AUC5")]
    [('Paclitaxel', 'paclitaxel'), ('carboplatin', 'carboplatin')]
    """
    if not text:
        return []
    lex = lexicon or load_lexicon()
    folded = _fold(text)
    toks = _tokens(text)
    out: list[Mention] = []
    i, n = 0, len(toks)
    while i < n:
        hit: tuple[int, tuple[str, str]] | None = None
        for j in range(min(n, i + lex.max_tokens + 1), i, -1):
            key = "".join(t for t, _, _ in toks[i:j])
            target = lex.index.get(key)
            if target is None and len(key) > 5 and key.endswith("s"):
                target = lex.index.get(key[:-1])  # plural: "taxanes", "PD-1 inhibitors"
            if target is not None and _short_ok(key, folded, toks[i][1], toks[j - 1][2]):
                hit = (j, target)
                break
        if hit is None:
            i += 1
            continue
        j, (kind, ident) = hit
        start, end = toks[i][1], toks[j - 1][2]
        out.append(Mention(start, end, folded[start:end], kind, ident))
        i = j
    return out


def split_combination(name: str, lexicon: Lexicon | None = None) -> list[str]:
    """Split a combination into its parts, never inside a known name.

    >>> split_combination("anti-PD-1+Albumin-Bound Paclitaxel")
    ['anti-PD-1', 'Albumin-Bound Paclitaxel']
    >>> split_combination("PD-1/PD-L1 inhibitor plus chemotherapy")
    ['PD-1/PD-L1 inhibitor', 'chemotherapy']
    """
    return [p.text for p in _parts(name, find_mentions(name, lexicon))]


@dataclass(frozen=True)
class _Part:
    start: int
    end: int
    text: str
    excluded: bool  # follows "without" (but not "with or without")


def _parts(name: str, mentions: Sequence[Mention]) -> list[_Part]:
    folded = _fold(name)
    cuts: list[tuple[int, int, bool]] = []
    for m in _SEPARATORS.finditer(folded):
        if m.end() == m.start():
            continue
        if any(x.start < m.end() and m.start() < x.end for x in mentions):
            continue  # the separator is part of a known name ("PD-1/PD-L1 inhibitor")
        without = m.group().strip().lower() == "without" and not re.search(
            r"\bwith\s+or\s*$", folded[: m.start()], re.IGNORECASE
        )
        cuts.append((m.start(), m.end(), without))
    parts: list[_Part] = []
    pos, excluded = 0, False
    for a, b, without in [*cuts, (len(folded), len(folded), False)]:
        piece = folded[pos:a]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            parts.append(
                _Part(pos + lead, pos + lead + len(piece.strip()), piece.strip(), excluded)
            )
        pos, excluded = b, without
    return parts


def _agent_for_drug(d: DrugTerm, lex: Lexicon, mention: str) -> Agent:
    return Agent(
        name=d.label,
        classes=[lex.classes[c].label for c in d.classes if c in lex.classes],
        codes=dict(d.codes),
        id=d.id,
        kind="drug",
        mention=mention,
    )


def agent_for_drug_id(drug_id: str, mention: str, lexicon: Lexicon | None = None) -> Agent | None:
    """The Agent for a vocabulary drug id, as the resolver builds it, or None for an unknown id."""
    lex = lexicon or load_lexicon()
    d = lex.drugs.get(drug_id)
    return _agent_for_drug(d, lex, mention) if d else None


def _agent_for_class(c: ClassTerm, mention: str) -> Agent:
    return Agent(
        name=c.label,
        classes=[c.label],
        codes=dict(c.codes),
        id=CLASS_PREFIX + c.id,
        kind="class",
        mention=mention,
    )


def _resolve_name(name: str, lex: Lexicon) -> list[Agent]:
    mentions = find_mentions(name, lex)
    if not mentions:
        return []
    agents: list[Agent] = []
    for part in _parts(name, mentions):
        inside = [m for m in mentions if part.start <= m.start < part.end]
        if part.excluded or _PLACEBO.intersection(t for t, _, _ in _tokens(part.text)):
            continue  # "placebo for pembrolizumab", "Ivonescimab Placebo", "without X"
        for m in inside:
            targets = (
                REGIMENS[m.id]
                if m.kind == "regimen"
                else (m.id if m.kind == "drug" else CLASS_PREFIX + m.id,)
            )
            for t in targets:
                if t.startswith(CLASS_PREFIX):
                    c = lex.classes.get(t[len(CLASS_PREFIX) :])
                    if c:
                        agents.append(_agent_for_class(c, m.text))
                else:
                    d = lex.drugs.get(t)
                    if d:
                        agents.append(_agent_for_drug(d, lex, m.text))
    return _tidy(agents, lex)


def _tidy(agents: list[Agent], lex: Lexicon) -> list[Agent]:
    """One agent per id; drop a class mention that a named drug or narrower class already covers."""
    unique: list[Agent] = []
    seen: set[str] = set()
    for a in agents:
        if a.id not in seen:
            seen.add(a.id)
            unique.append(a)
    covered: set[str] = set()
    for a in unique:
        if a.kind == "drug":
            for c in lex.drugs[a.id].classes:
                covered.update(class_closure(c, lex))
        elif a.id:
            covered.update(class_closure(a.id, lex)[1:])
    return [a for a in unique if a.kind == "drug" or _bare_class_id(a.id or "") not in covered]


def _mesh_pairs(mesh_terms: Sequence[Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in mesh_terms or ():
        if isinstance(m, dict):
            mid, term = m.get("id"), m.get("term")
            if isinstance(mid, str) and isinstance(term, str) and mid.strip() and term.strip():
                out.append((canonical_mesh_id(mid), term))
    return out


def _attach_mesh(
    agents: list[Agent], name: str, mesh_terms: Sequence[Any], lex: Lexicon
) -> list[Agent]:
    pairs = _mesh_pairs(mesh_terms)
    if not pairs:
        return agents
    used: set[str] = set()
    for a in agents:
        if a.kind != "drug":
            continue
        for mid, term in pairs:
            key = normalize(strip_dose_and_form(term))
            hit = lex.index.get(key)
            if hit == ("drug", a.id) or key == normalize(a.name):
                used.add(mid)
                a.codes.setdefault("mesh", mid)
    # A supplementary chemical record (C...) whose term is spelt out in the name but that the
    # vocabulary does not know: keep it, marked as coming from MeSH alone.
    name_key = normalize(strip_dose_and_form(name))
    known = {normalize(a.name) for a in agents}
    for mid, term in pairs:
        key = normalize(strip_dose_and_form(term))
        if mid in used or not mid.startswith("C") or len(key) < 4 or key in known:
            continue
        if key in lex.index or key not in name_key:
            continue
        span = _find_span(name, term)
        agents.append(
            Agent(
                name=term,
                classes=[],
                codes={"mesh": mid, "source": "mesh"},
                id=None,
                kind="drug",
                mention=span,
            )
        )
        known.add(key)
    return agents


def _find_span(name: str, term: str) -> str | None:
    want = normalize(term)
    toks = _tokens(name)
    folded = _fold(name)
    for i in range(len(toks)):
        acc = ""
        for j in range(i, len(toks)):
            acc += toks[j][0]
            if acc == want:
                return folded[toks[i][1] : toks[j][2]]
            if not want.startswith(acc):
                break
    return None


def resolve_intervention(
    name: str,
    other_names: Sequence[str] = (),
    mesh_terms: Sequence[dict[str, str]] = (),
) -> list[Agent]:
    """The agents an intervention names: one :class:`Agent` per drug or generic class mention.

    ``other_names`` (the registry's "otherNames") are used only when ``name`` itself
    resolves to nothing. ``mesh_terms`` are the record's derived intervention MeSH
    descriptors (``[{"id", "term"}]``): they add a MeSH code to a drug the vocabulary
    has none for, and a supplementary chemical record spelt out in the name becomes an
    agent marked ``codes["source"] == "mesh"``. Unknown names give ``[]``.

    >>> [(a.name, a.kind, a.classes) for a in resolve_intervention("JS001")]
    [('toripalimab', 'drug', ['PD-1 inhibitor'])]
    """
    if not isinstance(name, str):
        name = "" if name is None else str(name)
    lex = load_lexicon()
    agents = _resolve_name(name, lex)
    if isinstance(other_names, str):
        other_names = [other_names]
    if not agents:
        for other in other_names or ():
            if isinstance(other, str):
                agents.extend(_resolve_name(other, lex))
        agents = _tidy(agents, lex)
    return _attach_mesh(agents, name, mesh_terms, lex)
