"""Design facts stated in a trial's prose: phase, masking, allocation, arms, centres,
planned enrollment, cycle length and dosing regimens, with data-quality findings.

:func:`design_from_text` reads a title, brief summary, detailed description (or all of a
seed file at once) and returns a :class:`DesignFacts`; :func:`compare_with_structured`
sets those facts against the registry's structured fields. Pure functions: no I/O, no
RDF, never raise.

Rules, stated once:

* Only what the text states: a field the prose does not state stays None (or empty).
  Nothing is fixed: a fact that looks wrong ("3mg/mg", a 14-day interval inside 21-day
  cycles) is kept as written and reported in ``findings``.
* Phases use the API v2 enumeration (``EARLY_PHASE1`` for phase 0, ``PHASE1`` ...
  ``PHASE4``); sub-phases fold into their phase ("phase Ib" -> PHASE1) and combined
  phases give both ("Phase 1/2", "phase Ib/II" -> PHASE1, PHASE2). Phases of other trials
  ("in the phase III KEYNOTE-189 study", "previous phase II trials") and of study parts
  ("the phase 2 portion") are not this trial's phase.
* Masking: ``NONE`` for open-label / non-blinded, ``SINGLE`` for single-blind and
  observer- or assessor-blinded, ``DOUBLE``, ``TRIPLE``, ``QUADRUPLE``;
  "placebo-controlled" alone states no masking. An "open-label extension" after a blinded
  period does not make the trial open-label.
* Allocation: ``RANDOMIZED``, ``NON_RANDOMIZED``, or ``NA`` for a single-arm trial that
  states no randomization. Intervention model: ``SINGLE_GROUP``, ``PARALLEL``,
  ``CROSSOVER`` (a crossover design, not "crossover to the other arm"), ``FACTORIAL``.
* Planned enrollment only from a number tied to enrolling ("40 patients are enrolled",
  "a total of 120 subjects", "enroll 30 patients", "sample size of 60", "N=40"); a number
  per group or cohort ("2 cohorts of 20 patients", "35 subjects in each group") is not a
  total, and two different totals give None and an ``enrollment-ambiguous`` finding.
* Days: week = 7, month = 30.4375, year = 365.25 (as in :mod:`kg.text.timeframe`).
* A regimen is one dosing statement about one agent in one sentence; the agent is the
  drug phrase of :func:`kg.text.drugs.find_mentions` ("humanized anti-PD-1 antibody",
  "Albumin-bound paclitaxel"), or the word next to a dose when the vocabulary does not
  know it. Schedule words shared by a combination ("anti-PD-1 combined with albumin-bound
  paclitaxel, every 3 weeks") apply to every agent of it; a dose applies only to the
  agent it follows or, written right before it, precedes ("50 mg sildenafil"). A time
  anchored to an event ("up to 2 years after surgery") is a follow-up time, not a
  treatment duration; radiation doses (Gy) are not drug doses. Sentences longer than
  :data:`MAX_SENTENCE_CHARS` are not read for regimens (they are not prose).
* When the prose states two values of one fact, the first is kept and a
  ``<fact>-conflict`` finding names the others.

>>> f = design_from_text("This is an open-label, single-arm, phase II, multi-center trial.")
>>> f.phases, f.masking, f.intervention_model, f.allocation, f.multicenter
(['PHASE2'], 'NONE', 'SINGLE_GROUP', 'NA', True)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.text.timeframe import DAYS

__all__ = ["DesignFacts", "compare_with_structured", "design_from_text"]

MAX_SENTENCE_CHARS = 5000
MAX_HITS = 500  # mentions of one form compared for conflicts; the first is what counts


@dataclass
class DesignFacts:
    """Design facts read from prose; every ``*_text`` field is the phrase that stated it.

    ``phases``: API v2 phase codes; ``masking``: NONE | SINGLE | DOUBLE | TRIPLE |
    QUADRUPLE; ``allocation``: RANDOMIZED | NON_RANDOMIZED | NA; ``intervention_model``:
    SINGLE_GROUP | PARALLEL | CROSSOVER | FACTORIAL; ``multicenter``: True, False or None,
    ``centers``: the number of centres when stated; ``planned_enrollment``: participants;
    ``cycle_days``: treatment-cycle length; ``regimens``: dosing statements (see
    :func:`design_from_text`); ``findings``: ``{"kind", "message", "evidence"}`` notes.
    """

    phases: list[str] = field(default_factory=list)
    phase_text: str | None = None
    masking: str | None = None
    masking_text: str | None = None
    allocation: str | None = None
    allocation_text: str | None = None
    intervention_model: str | None = None
    intervention_model_text: str | None = None
    multicenter: bool | None = None
    multicenter_text: str | None = None
    centers: int | None = None
    planned_enrollment: int | None = None
    enrollment_text: str | None = None
    cycle_days: float | None = None
    cycle_text: str | None = None
    regimens: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (plain dicts, lists, strings and numbers)."""
        return asdict(self)


# ------------------------------------------------------------------ shared pieces

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORDNUM = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[\s-](?:"
    + "|".join(list(_ONES)[:9])
    + r"))?|"
    + "|".join(sorted(_ONES, key=len, reverse=True))
    + r")"
)
# a number in digits ("1,200", "2.5") or words ("sixty", "thirty-five", "one hundred")
NUM = (
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|(?:"
    + _WORDNUM
    + r")(?:\s+hundred(?:\s+(?:and\s+)?"
    + _WORDNUM
    + r")?)?)"
)


def to_number(text: str) -> float | None:
    """A number written in digits or English words.

    >>> to_number("thirty-five"), to_number("1,200"), to_number("one hundred and twenty")
    (35.0, 1200.0, 120.0)
    """
    t = text.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):
        return float(t.replace(",", ""))
    try:
        return float(t)
    except ValueError:
        pass
    total = 0.0
    current = 0.0
    found = False
    for word in re.split(r"[\s-]+", t):
        if word == "and":
            continue
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            return None
        found = True
    total += current
    return total if found else None


_UNIT_DAYS = {
    "d": DAYS["day"],
    "w": DAYS["week"],
    "m": DAYS["month"],
    "y": DAYS["year"],
    "h": DAYS["hour"],
}


def _days(n: float, unit: str) -> float:
    u = unit.lower()
    key = "m" if u.startswith("mo") else u[0]
    return n * _UNIT_DAYS.get(key, 1.0)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _clean(v: float) -> float:
    return float(round(v, 4))


_SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bet al)(?<!\bapprox)(?<!\bno)(?<!\bDr)"
    r"(?<=[.!?])\s+(?=[A-Z0-9(\"'\[])"
)


def sentences(text: str) -> list[str]:
    """Sentences of a prose text, whitespace-folded (lines and ``|`` parts split first).

    >>> sentences("A phase 2 trial. Patients receive X every 3 weeks.\\nOS, up to 2 years")
    ['A phase 2 trial.', 'Patients receive X every 3 weeks.', 'OS, up to 2 years']
    """
    out: list[str] = []
    for block in re.split(r"\n|\|", text):
        block = " ".join(block.split())
        if not block:
            continue
        out.extend(s for s in _SENTENCE_END.split(block) if s.strip())
    return out


# ------------------------------------------------------------------ phase

_PHASE = re.compile(
    r"\bphase[\s-]*(?P<a>[0-4]|iv|i{1,3})(?P<asub>[ab])?"
    r"(?:\s*(?:/|-|to|and|&)\s*(?:phase[\s-]*)?(?P<b>[0-4]|iv|i{1,3})(?P<bsub>[ab])?)?"
    r"(?![\w.]\d)\b",
    re.I,
)
_PHASE_CODES = {
    "0": "EARLY_PHASE1",
    "1": "PHASE1",
    "i": "PHASE1",
    "2": "PHASE2",
    "ii": "PHASE2",
    "3": "PHASE3",
    "iii": "PHASE3",
    "4": "PHASE4",
    "iv": "PHASE4",
}
_OTHER_TRIAL = re.compile(
    r"\b(?:previous|previously|prior|earlier|recent|recently|completed|published|ongoing|"
    r"pivotal|preceding|subsequent|future|later|large|larger|several|other|many|in\s+the|"
    r"of\s+the|from\s+the|results\s+of|data\s+from|based\s+on|registrational|confirmatory|"
    r"global|showed|shown|demonstrated|reported|suggested|profile)\b[\w\s,-]{0,25}$|\bin\s*$",
    re.I,
)
_STUDY_PART = re.compile(
    r"^\s*(?:\)|,)?\s*(?:part|portion|stage|segment|cohort|period|dose|component|"
    r"of\s+(?:the|this)\s+study|trials|studies|extension)\b",
    re.I,
)


def _phase_mentions(text: str) -> list[tuple[list[str], str, int]]:
    out = []
    for m in _PHASE.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        before = re.split(r"[.;]\s", before)[-1]
        after = text[m.end() : m.end() + 40]
        if _OTHER_TRIAL.search(before) or _STUDY_PART.match(after):
            continue
        if re.match(
            r"\s+(?:[A-Z][A-Za-z]*[A-Z][\w-]*|[A-Z]{3,})(?:[\s-]+\d+)?\s+(?:trial|study)\b", after
        ):
            continue  # "the phase III ARCHER 1050 trial": a named trial, not this one
        codes = [_PHASE_CODES[m.group("a").lower()]]
        if m.group("b"):
            code = _PHASE_CODES[m.group("b").lower()]
            if code not in codes:
                codes.append(code)
        order = list(_PHASE_CODES.values())
        codes.sort(key=order.index)
        out.append((codes, " ".join(m.group(0).split()), m.start()))
    return out


# ------------------------------------------------------------------ masking, allocation, model

_MASKING = [
    ("QUADRUPLE", re.compile(r"\bquadruple[\s-]+(?:blind(?:ed)?|mask(?:ed|ing)?)\b", re.I)),
    ("TRIPLE", re.compile(r"\btriple[\s-]+(?:blind(?:ed)?|mask(?:ed|ing)?)\b", re.I)),
    ("DOUBLE", re.compile(r"\bdouble[\s-]+(?:blind(?:ed)?|mask(?:ed|ing)?|dummy)\b", re.I)),
    ("SINGLE", re.compile(
        r"\bsingle[\s-]+(?:blind(?:ed)?|mask(?:ed|ing)?)\b|"
        r"\b(?:observer|assessor|evaluator|rater|outcome[\s-]+assessor)[\s-]+blind(?:ed)?\b",
        re.I)),
    ("NONE", re.compile(
        r"\bopen[\s-]+label(?:l?ed)?\b|\bnon[\s-]?blind(?:ed)?\b|\bun[\s-]?blinded\b"
        r"(?!\s+(?:individual|pharmacist|staff|person|statistician|team|investigator|monitor|"
        r"site|personnel|physician|nurse|study\s+(?:staff|team|personnel)|member))|"
        r"\bopen(?=,\s*(?:\w+[\s-]+){0,2}?(?:randomi[sz]ed|non-?randomi[sz]ed|multi|single|"
        r"prospective|comparative|controlled|phase|study|trial|label)|\s+(?:randomi[sz]ed|"
        r"non-?randomi[sz]ed|multi-?cent\w*|single-?cent\w*|comparative|study|trial)\b)",
        re.I)),
]  # fmt: skip
_AFTER_OPEN = re.compile(
    r"^[\s,-]*(?:[\w-]+[\s,-]+){0,3}?(?:extension|ole\b|phase|period|part|follow|continuation|"
    r"treatment\s+period|safety)",
    re.I,
)

_NON_RANDOMIZED = re.compile(
    r"\bnon[\s-]?randomi[sz]ed\b|\bnot\s+(?:be\s+)?randomi[sz]ed\b|\bwithout\s+randomi[sz]ation\b",
    re.I,
)
_RANDOMIZED = re.compile(
    r"\brandomi[sz]ed\b|\brandomly\s+(?:assigned|allocated|divided|distributed)\b|"
    r"\brandomi[sz]ation\b|\bbe\s+randomi[sz]ed\b|\brandomi[sz]e[sd]?\b",
    re.I,
)
_LITERATURE_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:controlled\s+|clinical\s+|phase\s+\w+\s+|double-blind\s+|"
    r"placebo-controlled\s+)*(?:trials|studies)\b",
    re.I,
)

_MODELS = [
    ("CROSSOVER", re.compile(
        r"\bcross[\s-]?over\s+(?:design|study|trial|fashion|manner|clinical|comparison)\b|"
        r"\b(?:\d|two|three|four)[\s-]+(?:period|way|sequence|treatment|arm|cycle|phase)s?"
        r"[\s-]+cross[\s-]?over\b|"
        r"\b(?:randomi[sz]ed|blind(?:ed)?|controlled),?\s+(?:[\w-]+,?\s+){0,3}?cross[\s-]?over\b",
        re.I)),
    ("FACTORIAL", re.compile(r"\bfactorial\b", re.I)),
    ("SINGLE_GROUP", re.compile(
        r"\bsingle[\s-]+(?:arm(?:ed)?|group)\b|\bone[\s-]+arm(?:ed)?\b|\bsingle-cohort\b",
        re.I)),
    ("PARALLEL", re.compile(
        r"\b(?:two|2|three|3|four|4|five|5|multi|dual)[\s-]+(?:treatment\s+|study\s+|parallel\s+)?"
        r"arm(?:s|ed)?\b|"
        r"\bparallel[\s-]+(?:group|arm|design|assignment|cohort)s?\b|\bparallel,",
        re.I)),
]  # fmt: skip

_MULTI = re.compile(
    r"\bmulti[\s-]?cent(?:er|re|ric|ered|red)s?\b|\bmulti[\s-]?(?:site|institution(?:al)?|"
    r"national|centre)\b|\bmultiple\s+(?:centers|centres|sites|institutions|hospitals)\b",
    re.I,
)
_SINGLE_CENTRE = re.compile(
    r"\bsingle[\s-]?(?:cent(?:er|re)|site|institution(?:al)?)\b|\bmono[\s-]?cent(?:ric|er|re)\w*"
    r"|\bone\s+(?:cent(?:er|re)|site)\b",
    re.I,
)
_N_CENTRES = re.compile(
    r"\b(?:at|in|across|from|involving)\s+(?:approximately\s+|about\s+|up\s+to\s+|around\s+)?"
    + NUM
    + r"\s+(?:\w+\s+)?(?:centers|centres|sites|hospitals|institutions|clinics|study\s+sites)\b",
    re.I,
)


# words one of which a rule's match must contain (a cheap test before the regex)
_CUES = {
    "QUADRUPLE": ("quadruple",), "TRIPLE": ("triple",), "DOUBLE": ("double",),
    "SINGLE": ("single", "blind"), "NONE": ("open", "blind"),
    "CROSSOVER": ("cross",), "FACTORIAL": ("factorial",), "SINGLE_GROUP": ("arm", "group", "cohort"),
    "PARALLEL": ("arm", "parallel"),
}  # fmt: skip


def _first_of(rules: list[tuple[str, re.Pattern[str]]], text: str) -> list[tuple[int, str, str]]:
    """(position, value, phrase) for every rule match, in text order; a match inside the
    match of an earlier rule ("four-arm" in "four-arm crossover") is dropped."""
    hits: list[tuple[int, str, str]] = []
    spans: list[tuple[int, int]] = []
    low = text.lower()
    for value, rx in rules:
        if not any(cue in low for cue in _CUES.get(value, ("",))):
            continue
        for k, m in enumerate(rx.finditer(text)):
            if k >= MAX_HITS:
                break
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            hits.append((m.start(), value, " ".join(m.group(0).split())))
        spans.extend((h[0], h[0] + len(h[2])) for h in hits if h[1] == value)
    hits.sort()
    return hits


# ------------------------------------------------------------------ enrollment

_NOUN = (
    r"(?:patients|participants|subjects|volunteers|individuals|people|persons|men|women|"
    r"children|adults|cases|infants|pairs|couples|eligible\s+patients)"
)
_APPROX = r"(?:(?:approximately|about|around|roughly|up\s+to|at\s+least|a\s+maximum\s+of|~)\s*)?"
_ENROLL_STRONG = [
    re.compile(
        r"\b(?:a\s+)?total\s+(?:of\s+)?"
        + _APPROX
        + NUM
        + r"\s+(?=(?:[\w-]+\s+){0,3}?"
        + _NOUN
        + r"\b|(?:will|were|are|to)\s+(?:be\s+)?(?:enrol|recruit|randomi|includ))",
        re.I,
    ),
    re.compile(
        r"\bsample\s+size\s+(?:of|is|will\s+be|was|=|:)?\s*(?:\w+\s+){0,2}?"
        + _APPROX
        + NUM
        + r"\b(?!\s*%)",
        re.I,
    ),
    re.compile(r"(?<![\w.])N\s*=\s*(\d[\d,]*)\b"),
    re.compile(r"\(\s*n\s*=\s*(\d[\d,]*)\s*\)\s*(?=" + _NOUN + r"|will|are|were)", re.I),
]
_ENROLL_VERB = re.compile(
    r"\b(?:enrol+(?:s|ing|ed)?|recruit(?:s|ing|ed)?|randomi[sz]e[sd]?|randomi[sz]ing|"
    r"include[sd]?|including|accrue[sd]?|register(?:s|ed)?)\s+(?:a\s+total\s+of\s+)?"
    + _APPROX
    + NUM
    + r"\s+(?:[\w-]+\s+){0,3}?"
    + _NOUN
    + r"\b",
    re.I,
)
_ENROLL_PASSIVE = re.compile(
    r"(?<![\w,.])"
    + _APPROX
    + NUM
    + r"\s+(?:[\w-]+\s+){0,3}?"
    + _NOUN
    + r"\s+(?:\w+\s+){0,2}?(?:will\s+be|are|were|to\s+be|have\s+been|shall\s+be|would\s+be|"
    r"is|will|are\s+planned\s+to\s+be|are\s+expected\s+to\s+be)\s+(?:\w+\s+)?(?:enrol+ed|"
    r"recruited|randomi[sz]ed|included|accrued|registered|enrolled)\b",
    re.I,
)
_ENROLL_PLAN = re.compile(
    r"\b(?:plan(?:s|ned)?|aims?|expects?|intends?)\s+to\s+(?:enrol+|recruit|include|randomi[sz]e|"
    r"accrue)\s+" + _APPROX + NUM + r"\b",
    re.I,
)
_PER_GROUP_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,3}?(?:in\s+each|per|in\s+both|for\s+each|each)\b|^\s*(?:/|per)\s*(?:arm|"
    r"group|cohort)",
    re.I,
)
_PER_GROUP_BEFORE = re.compile(
    r"(?:cohorts?|groups?|arms?|each|per)\s+(?:of\s+)?(?:approximately\s+|about\s+)?$", re.I
)


def _enrollment(sents: list[str]) -> tuple[int | None, str | None, list[dict[str, Any]]]:
    strong: list[tuple[int, str, str]] = []
    medium: list[tuple[int, str, str]] = []
    for sent in sents:
        if re.match(
            r"\W*(?:each|every)\s+(?:centre|center|site|arm|group|cohort|hospital)\b", sent, re.I
        ) or re.search(r"\bper\s+(?:site|centre|center|arm|group|cohort)\b", sent, re.I):
            continue  # numbers per centre or per group are not the total
        low = sent.lower()
        if not any(
            w in low
            for w in (
                "enrol",
                "recruit",
                "randomi",
                "includ",
                "accru",
                "regist",
                "total",
                "sample",
                "n=",
                "n =",
                "plan",
                "aim",
                "expect",
                "intend",
            )
        ):
            continue
        for tier, rules in (
            (strong, _ENROLL_STRONG),
            (medium, [_ENROLL_VERB, _ENROLL_PASSIVE, _ENROLL_PLAN]),
        ):
            for rx in rules:
                for m in rx.finditer(sent):
                    num_start, num_end = m.span(1)
                    if _PER_GROUP_AFTER.match(
                        sent[num_end : m.end() + 25]
                    ) or _PER_GROUP_AFTER.match(sent[m.end() : m.end() + 25]):
                        continue
                    if _PER_GROUP_BEFORE.search(sent[max(0, num_start - 30) : num_start]):
                        continue
                    value = to_number(m.group(1))
                    if value is None or not (1 <= value <= 1_000_000) or not value.is_integer():
                        continue
                    tier.append((int(value), " ".join(m.group(0).split()), sent))
    findings: list[dict[str, Any]] = []
    for tier in (strong, medium):
        values = sorted({v for v, _, _ in tier})
        if len(values) == 1:
            v, phrase, _ = tier[0]
            return v, phrase, findings
        if len(values) > 1:
            findings.append(
                {
                    "kind": "enrollment-ambiguous",
                    "message": "the text states different enrollment numbers ("
                    + ", ".join(str(v) for v in values)
                    + "); none is taken as the planned enrollment",
                    "evidence": " | ".join(dict.fromkeys(p for _, p, _ in tier)),
                }
            )
            return None, None, findings
    return None, None, findings


# ------------------------------------------------------------------ cycle length

_CYCLE_RULES = [
    re.compile(
        r"\b(?:each|every|one|1|per|a|the)\s+(?:treatment\s+|therapy\s+|chemotherapy\s+)?"
        r"cycles?\s+(?:is|=|of|lasts?|being|equals|consists\s+of|is\s+defined\s+as|comprises|"
        r"will\s+be|is\s+of|will\s+last|lasting|was)?\s*(?:of\s+)?"
        + NUM
        + r"\s*-?\s*(?:calendar\s+)?(days?|weeks?)\b",
        re.I,
    ),
    re.compile(
        NUM + r"\s*-?\s*(days?|weeks?)[\s-]+(?:treatment\s+|therapy\s+|dosing\s+)?cycles?\b", re.I
    ),
    re.compile(
        r"\bcycles?\s+(?:length\s+|duration\s+)?(?:of|is|=|:)\s+" + NUM + r"\s*(days?|weeks?)\b",
        re.I,
    ),
    re.compile(
        r"\bcycles?\s+(?:are\s+|is\s+|will\s+be\s+)?repeated\s+every\s+"
        + NUM
        + r"\s*(days?|weeks?)\b",
        re.I,
    ),
    re.compile(
        r"\bevery\s+" + NUM + r"\s*(days?|weeks?)\s*\(\s*(?:one|1|a|each|per)\s+"
        r"(?:treatment\s+)?cycle\s*\)",
        re.I,
    ),
    re.compile(
        NUM + r"\s*(days?|weeks?)\s+(?:as|per|for|=|constitute|make\s+up)\s+"
        r"(?:one|1|a|each)\s+(?:treatment\s+)?cycle\b",
        re.I,
    ),
    re.compile(NUM + r"\s*(days?|d)\s*/\s*cycle\b", re.I),
    re.compile(r"\bq\s?(\d+)\s?(w|wks?|weeks?|d|days?)\s+(?:treatment\s+)?cycles?\b", re.I),
]


def _cycles(sents: list[str]) -> tuple[float | None, str | None, list[dict[str, Any]]]:
    found: list[tuple[float, str, str]] = []
    for sent in sents:
        if "cycle" not in sent.lower():
            continue
        spans: list[tuple[int, int]] = []
        for rx in _CYCLE_RULES:
            for m in rx.finditer(sent):
                if any(a <= m.start() < b for a, b in spans):
                    continue
                spans.append(m.span())
                n = to_number(m.group(1))
                if n is None or n <= 0:
                    continue
                found.append((_clean(_days(n, m.group(2))), " ".join(m.group(0).split()), sent))
    if not found:
        return None, None, []
    days, phrase, _ = found[0]
    others = [f for f in found if f[0] != days]
    findings = []
    if others:
        findings.append(
            {
                "kind": "cycle-conflict",
                "message": f"the text states cycles of {_fmt(days)} days ('{phrase}') and of "
                + ", ".join(f"{_fmt(d)} days ('{p}')" for d, p, _ in others),
                "evidence": " | ".join(dict.fromkeys([phrase, *(p for _, p, _ in others)])),
            }
        )
    return days, phrase, findings


# ------------------------------------------------------------------ regimens

_MASS = ("mg", "g", "gm", "mcg", "µg", "μg", "ug", "ng")
_DOSE = re.compile(
    r"(?<![\w.])(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>mg|mcg|µg|μg|ug|ng|gm|g|iu|IU|units?|U|mL|ml|"
    r"mmol|mCi|MBq|GBq)(?P<den>(?:\s*/\s*(?:kg|m2|m²|m\^2|sqm|mg|g|gm|mcg|µg|μg|ug|ng|day|d|"
    r"die|dose|h|hr|week|wk|l|L|ml|mL|min|body\s+weight|BSA))*)(?![\w/])"
    r"|\bAUC\s*(?:=|of)?\s*(?P<auc>\d+(?:\.\d+)?)",
)
_LAB_UNITS = ("/dl", "/l", "/ml", "/min")
_INTERVALS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bevery\s+other\s+(day|week|month)\b", re.I), "other"),
    (re.compile(r"\b(two|three|four|six|2|3|4|6)[\s-]+weekly\b", re.I), "nweekly"),
    (
        re.compile(
            r"\bevery\s+" + NUM + r"\s*(?:-|to)?\s*(?:\d+\s*)?(days?|weeks?|months?|hours?|"
            r"h|hrs?)\b",
            re.I,
        ),
        "every",
    ),
    (re.compile(r"\bevery\s+(day|week|month|night|morning|evening)\b", re.I), "every1"),
    (re.compile(r"\bq\s?(\d+)\s?(w|wks?|weeks?|d|days?|h|hrs?|hours?|m|mo|months?)\b", re.I), "q"),
    (
        re.compile(
            r"\b(?:q\.?d\.?|o\.?d\.?|q\.?w\.?|q\.?o\.?d\.?|b\.?i\.?d\.?|t\.?i\.?d\.?|"
            r"q\.?i\.?d\.?|qhs)(?![\w])",
            re.I,
        ),
        "abbr",
    ),
    (
        re.compile(r"\b(?:once|one\s+time|1\s+time)\s+(?:a|per|every)\s+(day|week|month)\b", re.I),
        "once",
    ),
    (
        re.compile(
            r"\b(twice|two\s+times|2\s+times|three\s+times|3\s+times|four\s+times|"
            r"4\s+times)\s+(?:a|per|each|every)?\s*(day|daily|week|weekly)\b",
            re.I,
        ),
        "times",
    ),
    (
        re.compile(
            r"(?<![\w-])(?:once[\s-]+)?(daily|weekly|bi-?weekly|fortnightly|monthly|"
            r"nightly)\b(?!\s+(?:clinical\s+)?(?:practice|life|living|activit|routine|care))",
            re.I,
        ),
        "word",
    ),
]
_ABBR = {
    "qd": 1.0,
    "od": 1.0,
    "qw": 7.0,
    "qod": 2.0,
    "bid": 0.5,
    "tid": 1 / 3,
    "qid": 0.25,
    "qhs": 1.0,
}
_WORD_INTERVAL = {
    "daily": 1.0,
    "weekly": 7.0,
    "biweekly": 14.0,
    "bi-weekly": 14.0,
    "fortnightly": 14.0,
    "monthly": DAYS["month"],
    "nightly": 1.0,
}
_TIMES = {
    "twice": 2,
    "two times": 2,
    "2 times": 2,
    "three times": 3,
    "3 times": 3,
    "four times": 4,
    "4 times": 4,
}
_DAY_SCHEDULE = re.compile(
    r"\bon\s+(?:days?|d)\s*\d+(?:\s*(?:,\s*and|,|and|&|-|to)\s*(?:days?\s*)?\d+)*"
    r"(?:\s+(?:of|in)\s+(?:each|every|a)\s+(?:\d+[\s-]*days?[\s-]+)?(?:treatment\s+)?cycle)?",
    re.I,
)
_CAP = (
    r"(?:up\s+to|a\s+maximum\s+of|maximum\s+of|max(?:imum)?\.?|no\s+more\s+than|not\s+more\s+than|"
    r"at\s+most|maximum\s+(?:treatment\s+)?(?:duration|time|period|number)\s+(?:of\s+[\w-]+\s+)?"
    r"(?:is\s+|of\s+|will\s+be\s+)?)"
)
_CAPPED = re.compile(
    r"\b(?:for\s+)?" + _CAP + r"\s*" + NUM + r"\s*(?:(?:-|to)\s*" + NUM + r"\s*)?"
    r"(?:treatment\s+|therapy\s+)?(cycles?|courses?|days?|weeks?|months?|years?)\b"
    r"(?:\s*(?:,|or|and|/)\s*" + NUM + r"\s*(cycles?|courses?|days?|weeks?|months?|years?)\b)?",
    re.I,
)
_RANGE_CYCLES = re.compile(
    NUM + r"\s*(?:-|to)\s*" + NUM + r"\s*(?:treatment\s+)?(cycles?|"
    r"courses?)\b",
    re.I,
)
_FOR_N = re.compile(
    r"\bfor\s+(?:a\s+total\s+of\s+)?" + NUM + r"\s*(?:consecutive\s+)?"
    r"(?:treatment\s+)?(cycles?|courses?|days?|weeks?|months?|years?)\b",
    re.I,
)
_N_CYCLES_OF = re.compile(NUM + r"\s+(?:treatment\s+)?(cycles?|courses?)\s+of\b", re.I)
_UNTIL = re.compile(
    r"\b(?:until|till|untill)\s+(.+?)(?=\s*(?:[.;](?:\s|$)|$|,?\s+(?:or\s+)?(?:for\s+)?"
    r"(?:up\s+to|a\s+maximum)\b|\s+and\s+(?:[\w-]+\s+){0,3}?(?:for|may|can|will)\b))",
    re.I,
)
_ROUTES = [
    ("IV", re.compile(
        r"\bintravenous(?:ly)?\b|\bi\.v\.|\binfusions?\b|\binfused\b|"
        r"(?<=\d)\s*(?:mg|mg/kg|mg/m2|mg/m²)?\s*,?\s*IV\b|\bIV\s+(?:infusion|bolus|drip|push|"
        r"over|q\d|every|once|on\s+day|d1)", re.I if False else 0)),
    ("oral", re.compile(r"\boral(?:ly)?\b|\bp\.o\.|\bby\s+mouth\b|\btablets?\b|\bcapsules?\b|"
                        r"\bPO\b", 0)),
    ("SC", re.compile(r"\bsub-?cutaneous(?:ly)?\b|\bs\.c\.|\bSC\b|\bSQ\b|\bsubcut\b", 0)),
    ("IM", re.compile(r"\bintramuscular(?:ly)?\b|\bi\.m\.|\bIM\b", 0)),
]  # fmt: skip
_CONNECTOR = re.compile(
    r"^[\s,()+/&-]*(?:(?:and|plus|with|combined\s+with|in\s+combination\s+with|together\s+with|"
    r"along\s+with|or)[\s,()+/&-]*)*$",
    re.I,
)
_STOP = frozenset(
    "dose doses dosage of at with and or the a an to in on for receive received receiving "
    "given administered daily weekly every per by then plus group arm patients subjects "
    "participants will be is are was were oral orally intravenous intravenously tablet "
    "tablets capsule capsules single total mg film coated film-coated placebo matching "
    "treatment therapy regimen level levels starting initial maximum minimum than from "
    "approximately about up both each either twice once thrice times then adjusted reduced "
    "increased decreased escalated titrated dosed started continued taken used maintained "
    "administration administrations day days week weeks month months cycle cycles".split()
)


@dataclass
class _Fact:
    start: int
    end: int
    kind: str  # dose | interval | schedule | cycles | duration | until | route
    value: Any
    text: str
    shared: bool = True  # schedule facts apply to a whole combination; doses do not


def _unit_name(unit: str, den: str) -> tuple[str, bool]:
    u = unit.replace("µ", "mc").replace("μ", "mc")
    u = {"ug": "mcg", "gm": "g", "unit": "U", "units": "U", "iu": "IU"}.get(u, u)
    parts = [p.strip() for p in den.split("/") if p.strip()]
    norm = []
    for p in parts:
        p = " ".join(p.split())
        p = {
            "m²": "m2",
            "m^2": "m2",
            "sqm": "m2",
            "µg": "mcg",
            "μg": "mcg",
            "ug": "mcg",
            "gm": "g",
            "die": "day",
            "d": "day",
        }.get(p, p)
        norm.append(p)
    name = "/".join([u, *norm])
    ok = not (u in ("mg", "g", "mcg", "ng") and norm and norm[0] in ("mg", "g", "mcg", "ng"))
    return name, ok


_INTERVAL_CUES = {
    "other": ("every",), "nweekly": ("weekly",), "every": ("every",), "every1": ("every",),
    "q": ("q",), "abbr": ("q", "d", "b", "t", "h"), "once": ("once", "time"),
    "times": ("times", "twice"), "word": ("daily", "weekly", "monthly", "nightly", "fortnight"),
}  # fmt: skip


def _facts(sent: str) -> list[_Fact]:
    facts: list[_Fact] = []
    low = sent.lower()
    has_digit = any(ch.isdigit() for ch in sent)
    for m in _DOSE.finditer(sent) if has_digit else ():
        if m.group("auc"):
            facts.append(
                _Fact(
                    m.start(),
                    m.end(),
                    "dose",
                    (float(m.group("auc")), "AUC", True),
                    m.group(0),
                    shared=False,
                )
            )
            continue
        den = m.group("den") or ""
        if den.lower().replace(" ", "") in _LAB_UNITS:
            continue
        unit, ok = _unit_name(m.group("unit"), den)
        if (
            unit in ("Gy", "mL", "ml", "g")
            and not den
            and not re.search(r"\b(?:dose|mg|receive|administ)", sent, re.I)
        ):
            continue
        facts.append(
            _Fact(
                m.start(),
                m.end(),
                "dose",
                (float(m.group("num")), unit, ok),
                m.group(0),
                shared=False,
            )
        )
        if re.search(r"/\s*(?:day|d|die)\b", den) and not any(f.kind == "interval" for f in facts):
            facts.append(_Fact(m.start(), m.end(), "interval", 1.0, "per day"))
    for rx, kind in _INTERVALS:
        if not any(cue in low for cue in _INTERVAL_CUES[kind]):
            continue
        for m in rx.finditer(sent):
            days = _interval_days(m, kind)
            facts.append(_Fact(m.start(), m.end(), "interval", days, " ".join(m.group(0).split())))
    if "on d" in low:
        for m in _DAY_SCHEDULE.finditer(sent):
            facts.append(_Fact(m.start(), m.end(), "schedule", None, " ".join(m.group(0).split())))
    if any(w in low for w in ("up to", "max", "no more", "not more", "at most")):
        for m in _CAPPED.finditer(sent):
            if _ANCHORED_AFTER.match(sent, m.end()):
                continue  # "up to 2 years after surgery": a follow-up time
            n = to_number(m.group(2) or m.group(1))
            if n is not None:
                facts.append(_cap_fact(m.start(), m.end(), n, m.group(3), m.group(0)))
            if m.group(4) and m.group(5):
                n2 = to_number(m.group(4))
                if n2 is not None:
                    facts.append(_cap_fact(m.start(), m.end(), n2, m.group(5), m.group(0)))
    rules = []
    if "cycle" in low or "course" in low:
        rules += [_RANGE_CYCLES, _N_CYCLES_OF]
    if "for " in low:
        rules.append(_FOR_N)
    for rx in rules:
        for m in rx.finditer(sent):
            if any(f.start <= m.start() < f.end for f in facts if f.kind in ("cycles", "duration")):
                continue
            if _ANCHORED_AFTER.match(sent, m.end()):
                continue
            n = to_number(m.group(2) if rx is _RANGE_CYCLES else m.group(1))
            unit = m.group(3) if rx is _RANGE_CYCLES else m.group(2)
            if n is not None:
                facts.append(_cap_fact(m.start(), m.end(), n, unit, m.group(0)))
    if "til" in low:
        for m in _UNTIL.finditer(sent):
            what = m.group(1).strip(" ,")
            if what:
                facts.append(_Fact(m.start(), m.end(), "until", what, m.group(0)))
    for route, rx in _ROUTES:
        for m in rx.finditer(sent):
            facts.append(_Fact(m.start(), m.end(), "route", route, m.group(0)))
    facts.sort(key=lambda f: f.start)
    return facts


_ANCHORED_AFTER = re.compile(
    r"\s+(?:after|from|since|following|post|prior|before|of\s+follow)\b", re.I
)


def _cap_fact(start: int, end: int, n: float, unit: str, text: str) -> _Fact:
    u = unit.lower()
    phrase = " ".join(text.split())
    if u.startswith(("cycle", "course")):
        return _Fact(start, end, "cycles", int(n), phrase)
    return _Fact(start, end, "duration", _clean(_days(n, u)), phrase)


def _interval_days(m: re.Match[str], kind: str) -> float | None:
    if kind == "other":
        return 2 * _days(1, m.group(1))
    if kind == "every":
        n = to_number(m.group(1))
        unit = m.group(2).lower()
        if n is None:
            return None
        return _clean(n * DAYS["hour"]) if unit.startswith("h") else _clean(_days(n, unit))
    if kind == "nweekly":
        n = to_number(m.group(1))
        return _clean(n * 7.0) if n else None
    if kind == "every1":
        w = m.group(1).lower()
        return _days(1, w) if w in ("day", "week", "month") else 1.0
    if kind == "q":
        n = float(m.group(1))
        unit = m.group(2).lower()
        return _clean(n * DAYS["hour"]) if unit.startswith("h") else _clean(_days(n, unit))
    if kind == "abbr":
        return _ABBR.get(re.sub(r"\W", "", m.group(0).lower()))
    if kind == "once":
        return _days(1, m.group(1))
    if kind == "times":
        per = _TIMES.get(" ".join(m.group(1).lower().split()), 1)
        unit = m.group(2).lower()
        return _clean((7.0 if unit.startswith("week") else 1.0) / per)
    return _WORD_INTERVAL.get(m.group(1).lower())


def _agents(sent: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, agent text, vocabulary id) for the drug phrases of a sentence."""
    try:
        from kg.text.drugs import find_mentions

        mentions = find_mentions(sent)
    except Exception:  # pragma: no cover - a broken vocabulary must not stop the reading
        mentions = []
    out: list[tuple[int, int, str, str | None]] = []
    for m in mentions:
        ident = ("class:" + m.id) if m.kind == "class" else m.id
        if out:
            ps, pe, pt, pid = out[-1]
            gap = sent[pe : m.start]
            # "pembrolizumab (MK-3475)", "anti-PD-1 antibody JS001": one agent, two names
            if pid == ident or re.fullmatch(r"\s*\(?\s*", gap):
                out[-1] = (ps, m.end + (1 if sent[m.end : m.end + 1] == ")" else 0), pt, pid)
                continue
        out.append((m.start, m.end, m.text, ident))
    return out


_FORM_WORDS = frozenset(
    "sustained-release extended-release modified-release immediate-release controlled-release "
    "hydrochloride hcl citrate sodium potassium acetate powder gel cream solution injection "
    "tablet tablets capsule capsules film-coated root extract sr xr er la cr oral iv".split()
)


_SCHEDULE_WORD = re.compile(r"(?i)(?:q\.?d|bid|tid|qid|qw|qod|q\d|daily|weekly|per\b)")


def _fallback_agents(sent: str, facts: list[_Fact]) -> list[tuple[int, int, str, str | None]]:
    """The drug-like word next to a dose when the vocabulary knows no drug in the sentence
    ("Bupropion hydrochloride sustained-release (Wellbutrin SR) 150mg" -> "Bupropion")."""
    out = []
    word = re.compile(r"[A-Za-z][\w-]{2,}")
    for f in facts:
        if f.kind != "dose":
            continue
        head = re.sub(r"\([^()]{0,40}\)\s*$", "", sent[: f.start].rstrip())
        head = re.sub(r"\s+at\s+(?:a\s+)?(?:dose\s+of\s+)?$", "", head)
        candidates = list(word.finditer(head))[-5:]
        picked = None
        for m in reversed(candidates):
            w = m.group(0).lower()
            if w in _FORM_WORDS:
                continue
            if w in _STOP or len(w) < 4:
                break
            picked = (m.start(), m.end(), m.group(0), None)
            if head[m.end() :].strip(" ,") and not all(
                x.group(0).lower() in _FORM_WORDS for x in word.finditer(head[m.end() :])
            ):
                picked = None
            break
        if picked is None:
            m2 = re.match(r"\s*(?:of\s+)?([A-Za-z][\w-]{3,})", sent[f.end : f.end + 60])
            if (
                m2
                and m2.group(1).lower() not in _STOP | _FORM_WORDS
                and not _SCHEDULE_WORD.match(m2.group(1))
            ):
                picked = (f.end + m2.start(1), f.end + m2.end(1), m2.group(1), None)
        if picked:
            out.append(picked)
    uniq: dict[int, tuple[int, int, str, str | None]] = {a[0]: a for a in out}
    return [uniq[k] for k in sorted(uniq)]


def _regimens(sent: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    folded = unicodedata.normalize("NFKC", sent)
    facts = _facts(folded)
    findings = [
        {
            "kind": "implausible-unit",
            "message": f"dose '{f.text}' has the unit {f.value[1]}, a mass per mass, which is "
            "not a dose unit; kept as written",
            "evidence": sent,
        }
        for f in facts
        if f.kind == "dose" and not f.value[2]
    ]
    if not any(
        f.kind in ("dose", "interval", "schedule", "cycles", "duration", "until") for f in facts
    ):
        return [], findings
    agents = _agents(folded) or _fallback_agents(folded, facts)
    if not agents:
        return [], findings
    n = len(agents)
    # segment i runs from agent i to agent i+1; a dose written just before an agent
    # ("30mg Papaverine") is that agent's; other facts before the first agent only fill in
    # what the first agent's own segment does not state
    own: list[list[_Fact]] = [[] for _ in range(n)]
    pre: list[_Fact] = []
    for f in facts:
        nxt = next((i for i, a in enumerate(agents) if a[0] >= f.end), None)
        if (
            f.kind == "dose"
            and nxt is not None
            and re.fullmatch(r"\s*(?:of\s+)?", folded[f.end : agents[nxt][0]])
        ):
            own[nxt].append(f)
            continue
        idx = None
        for i, (a_start, _, _, _) in enumerate(agents):
            if a_start <= f.start:
                idx = i
        if idx is None:
            pre.append(f)
        else:
            own[idx].append(f)
    kinds = {f.kind for f in own[0]}
    first = agents[0][0]
    own[0] = sorted(
        own[0]
        + [f for f in pre if f.kind not in kinds and (f.kind != "route" or first - f.end <= 20)],
        key=lambda f: f.start,
    )
    # agents joined only by connectors share the schedule facts of the group
    shared: list[list[_Fact]] = [list(x) for x in own]
    i = 0
    while i < n:
        j = i
        while (
            j + 1 < n
            and not any(f.kind != "route" for f in own[j])
            and _CONNECTOR.match(folded[agents[j][1] : agents[j + 1][0]])
        ):
            j += 1
        if j > i:
            group_facts = [f for k in range(i, j + 1) for f in own[k] if f.shared]
            for k in range(i, j + 1):
                shared[k] = sorted(
                    {id(f): f for f in own[k] + group_facts}.values(), key=lambda f: f.start
                )
        i = j + 1
    out = []
    for (_, _, text, ident), fs in zip(agents, shared, strict=True):
        reg = _regimen(text, ident, fs, sent)
        if reg is not None:
            out.append(reg)
    return out, findings


def _regimen(text: str, ident: str | None, fs: list[_Fact], sent: str) -> dict[str, Any] | None:
    dose = next((f for f in fs if f.kind == "dose"), None)
    interval = next((f for f in fs if f.kind == "interval" and f.value is not None), None)
    interval = interval or next((f for f in fs if f.kind == "interval"), None)
    schedule = next((f for f in fs if f.kind == "schedule"), None)
    cycles = [f.value for f in fs if f.kind == "cycles"]
    duration = [f.value for f in fs if f.kind == "duration"]
    until = next((f for f in fs if f.kind == "until"), None)
    route = next((f for f in fs if f.kind == "route"), None)
    if not (dose or interval or schedule or cycles or duration or until):
        return None
    interval_text = None
    if schedule and interval:
        interval_text = (
            f"{schedule.text} {interval.text}"
            if abs(interval.start - schedule.end) <= 20
            else interval.text
        )
    elif interval:
        interval_text = interval.text
    elif schedule:
        interval_text = schedule.text
    return {
        "agent_text": text,
        "agent_id": ident,
        "dose": dose.value[0] if dose else None,
        "unit": dose.value[1] if dose else None,
        "unit_ok": dose.value[2] if dose else None,
        "dose_text": dose.text if dose else None,
        "route": route.value if route else None,
        "interval_days": interval.value if interval else None,
        "interval_text": interval_text,
        "max_cycles": cycles[0] if cycles else None,
        "max_duration_days": duration[0] if duration else None,
        "until": until.value if until else None,
        "evidence": sent,
    }


# ------------------------------------------------------------------ entry points


def design_from_text(text: str | None) -> DesignFacts:
    """Read the design facts a trial's prose states; never raises.

    Give it the title, brief summary and detailed description (or a whole seed file);
    lines and ``|``-separated parts are read as separate sentences.

    Regimens are dicts with ``agent_text``, ``agent_id`` (vocabulary id or None),
    ``dose``, ``unit`` ("mg/kg", "mg/m2", "mg", "AUC" ...), ``unit_ok`` (False for a
    mass-per-mass unit such as "mg/mg"), ``dose_text``, ``route`` (IV, oral, SC, IM),
    ``interval_days`` ("every 2 weeks" 14, "q3w" 21, "daily" 1, "twice daily" 0.5),
    ``interval_text`` (also day lists such as "on days 1 and 8", which have no
    interval_days), ``max_cycles`` ("up to 6 cycles", "4-6 cycles" -> 6),
    ``max_duration_days`` ("for up to 2 years" -> 730.5), ``until`` (the event that stops
    treatment) and ``evidence`` (the sentence).

    >>> f = design_from_text("40 patients are enrolled and injected with the humanized "
    ...     "anti-PD-1 antibody 3mg/mg every 2 weeks until disease progresses or unacceptable "
    ...     "toxicity. CT is performed every 2 cycles (each cycle is 21 days).")
    >>> f.planned_enrollment, f.cycle_days, [x["kind"] for x in f.findings]
    (40, 21.0, ['implausible-unit', 'interval-vs-cycle'])
    >>> r = f.regimens[0]
    >>> r["agent_text"], r["dose"], r["unit"], r["unit_ok"], r["interval_days"], r["until"]
    ('humanized anti-PD-1 antibody', 3.0, 'mg/mg', False, 14.0, 'disease progresses or unacceptable toxicity')
    """
    facts = DesignFacts()
    if not isinstance(text, str) or not text.strip():
        return facts
    try:
        _read(text, facts)
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return DesignFacts()
    return facts


def _read(text: str, facts: DesignFacts) -> None:
    sents = sentences(text)
    folded = " ".join(text.split())

    phases = _phase_mentions(folded)
    if phases:
        facts.phases, facts.phase_text = list(phases[0][0]), phases[0][1]
        others = [p for p in phases if not set(p[0]) <= set(phases[0][0])]
        if others:
            facts.findings.append(_conflict("phase", phases[0][1], [o[1] for o in others]))

    masks = [h for h in _first_of(_MASKING, folded)]
    if any(v != "NONE" for _, v, _ in masks):
        masks = [
            h
            for h in masks
            if not (
                h[1] == "NONE"
                and _AFTER_OPEN.match(folded[h[0] + len(h[2]) : h[0] + len(h[2]) + 40])
            )
        ]
    if masks:
        facts.masking, facts.masking_text = masks[0][1], masks[0][2]
        others = [m for m in masks if m[1] != masks[0][1]]
        if others:
            facts.findings.append(_conflict("masking", masks[0][2], [o[2] for o in others]))

    non = [(m.start(), m.end(), m.group(0)) for m in _NON_RANDOMIZED.finditer(folded)]
    rand = [
        (m.start(), m.group(0))
        for m in _RANDOMIZED.finditer(folded)
        if not any(a <= m.start() < b for a, b, _ in non)
        and not _LITERATURE_AFTER.match(folded[m.end() : m.end() + 40])
        and not _OTHER_TRIAL.search(
            re.split(r"[.;]\s", folded[max(0, m.start() - 30) : m.start()])[-1]
        )
    ]
    models = _first_of(_MODELS, folded)
    if models:
        facts.intervention_model, facts.intervention_model_text = models[0][1], models[0][2]
        others = [m for m in models if m[1] != models[0][1]]
        if others:
            facts.findings.append(
                _conflict("intervention-model", models[0][2], [o[2] for o in others])
            )
    if non and (not rand or non[0][0] <= rand[0][0]):
        facts.allocation, facts.allocation_text = "NON_RANDOMIZED", " ".join(non[0][2].split())
        if rand:
            facts.findings.append(_conflict("allocation", non[0][2], [r[1] for r in rand]))
    elif rand:
        facts.allocation, facts.allocation_text = "RANDOMIZED", " ".join(rand[0][1].split())
        if non:
            facts.findings.append(_conflict("allocation", rand[0][1], [n[2] for n in non]))
    elif facts.intervention_model == "SINGLE_GROUP":
        facts.allocation, facts.allocation_text = "NA", facts.intervention_model_text

    centres: list[tuple[int, bool, str, int | None]] = []
    for m in _MULTI.finditer(folded):
        centres.append((m.start(), True, m.group(0), None))
    for m in _SINGLE_CENTRE.finditer(folded):
        centres.append((m.start(), False, m.group(0), 1))
    for m in _N_CENTRES.finditer(folded):
        n = to_number(m.group(1))
        if n is not None and n.is_integer() and n >= 1:
            centres.append((m.start(), n > 1, m.group(0), int(n)))
    centres.sort()
    if centres:
        facts.multicenter = centres[0][1]
        facts.multicenter_text = " ".join(centres[0][2].split())
        counts = [c[3] for c in centres if c[3] is not None]
        facts.centers = counts[0] if counts else None
        others = [c for c in centres if c[1] != centres[0][1]]
        if others:
            facts.findings.append(_conflict("multicenter", centres[0][2], [o[2] for o in others]))

    facts.planned_enrollment, facts.enrollment_text, found = _enrollment(sents)
    facts.findings.extend(found)
    facts.cycle_days, facts.cycle_text, found = _cycles(sents)
    facts.findings.extend(found)

    seen: set[tuple[Any, ...]] = set()
    for sent in sents:
        if len(sent) > MAX_SENTENCE_CHARS:
            continue
        regs, found = _regimens(sent)
        facts.findings.extend(found)
        for reg in regs:
            key = tuple(reg.items())
            if key not in seen:
                seen.add(key)
                facts.regimens.append(reg)

    if facts.cycle_days:
        for reg in facts.regimens:
            iv = reg["interval_days"]
            if iv and not fits_cycle(iv, facts.cycle_days):
                facts.findings.append(
                    {
                        "kind": "interval-vs-cycle",
                        "message": f"dosing interval '{reg['interval_text']}' ({_fmt(iv)} days) "
                        f"of {reg['agent_text']} does not divide the {_fmt(facts.cycle_days)}"
                        f"-day cycle ('{facts.cycle_text}')",
                        "evidence": reg["evidence"],
                    }
                )
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for f in facts.findings:
        unique.setdefault((f["kind"], f["message"]), f)
    facts.findings = list(unique.values())


def fits_cycle(interval: float, cycle: float) -> bool:
    """Does a dosing interval divide the cycle (or span whole cycles)?"""
    for a, b in ((cycle, interval), (interval, cycle)):
        q = a / b
        if abs(q - round(q)) < 1e-6 and round(q) >= 1:
            return True
    return False


def _conflict(what: str, first: str, others: list[str]) -> dict[str, Any]:
    first = " ".join(first.split())
    rest = list(dict.fromkeys(" ".join(o.split()) for o in others))
    return {
        "kind": f"{what}-conflict",
        "message": f"the text states '{first}' and also "
        + ", ".join(f"'{o}'" for o in rest)
        + f"; the first is kept as {what}",
        "evidence": " | ".join([first, *rest]),
    }


# ------------------------------------------------------------------ against the registry

# Planned and actual enrollment legitimately differ (accrual shortfall, early stop,
# over-accrual, amendments); registries also update the planned figure. Only a factor
# above this is flagged: it catches typos, a number of another study or of one cohort.
ENROLLMENT_FACTOR = 2.0
_MULTI_ARM_MODELS = ("PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")


def compare_with_structured(
    facts: DesignFacts,
    phases: list[str] | None,
    design: dict[str, Any] | None,
    enrollment: dict[str, Any] | None,
    arms: int | list[Any] | None = None,
) -> list[dict[str, Any]]:
    """Where the prose disagrees with the registry's structured fields.

    ``phases``, ``design`` and ``enrollment`` are the record's fields (``phases`` as API
    v2 codes, ``design`` with ``allocation``/``intervention_model``/``masking`` keys,
    ``enrollment`` as ``{"count", "type"}``); ``arms`` is the number (or list) of arm
    groups, when known. Findings (``kind``, ``message``, ``evidence``):

    * ``phase-conflict``: the prose phases are not a subset of the registry's ("phase II"
      for a PHASE1/PHASE2 trial is fine; "phase III" for a PHASE2 trial is not). The
      registry's ``NA`` is skipped.
    * ``masking-conflict``: one says open-label and the other blinded. DOUBLE in prose
      against QUADRUPLE in the registry is not flagged: "double-blind" is how people
      write it, the registry counts masked parties.
    * ``allocation-conflict``: randomized against non-randomized or single-arm.
    * ``enrollment-conflict``: the numbers differ by more than a factor of
      :data:`ENROLLMENT_FACTOR` (2): planned and actual enrollment legitimately differ, so
      only a large difference is a finding.
    * ``arms-conflict``: single-arm in prose against several arms (or a multi-arm model)
      in the registry, or a multi-arm design in prose against a single group.

    >>> f = design_from_text("An open-label, single-arm phase II trial enrolling 40 patients.")
    >>> [x["kind"] for x in compare_with_structured(f, ["PHASE3"], {"masking": "DOUBLE",
    ...     "allocation": "RANDOMIZED"}, {"count": 400, "type": "ESTIMATED"}, arms=2)]
    ['phase-conflict', 'masking-conflict', 'allocation-conflict', 'enrollment-conflict', 'arms-conflict']
    """
    out: list[dict[str, Any]] = []
    try:
        _compare(facts, list(phases or []), dict(design or {}), enrollment, arms, out)
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return out
    return out


def _compare(
    facts: DesignFacts,
    phases: list[str],
    design: dict[str, Any],
    enrollment: dict[str, Any] | None,
    arms: int | list[Any] | None,
    out: list[dict[str, Any]],
) -> None:
    registry_phases = {str(p).upper() for p in phases} - {"NA", ""}
    if facts.phases and registry_phases and not set(facts.phases) <= registry_phases:
        out.append(
            {
                "kind": "phase-conflict",
                "message": f"the text says '{facts.phase_text}' ({', '.join(facts.phases)}); "
                f"the registry says {', '.join(sorted(registry_phases))}",
                "evidence": facts.phase_text,
            }
        )
    masking = str(design.get("masking") or "").upper()
    if facts.masking and masking and (facts.masking == "NONE") != (masking == "NONE"):
        out.append(
            {
                "kind": "masking-conflict",
                "message": f"the text says '{facts.masking_text}' ({facts.masking}); the "
                f"registry says masking {masking}",
                "evidence": facts.masking_text,
            }
        )
    allocation = str(design.get("allocation") or "").upper()
    if facts.allocation and allocation:
        prose_random = facts.allocation == "RANDOMIZED"
        registry_random = allocation == "RANDOMIZED"
        if prose_random != registry_random:
            out.append(
                {
                    "kind": "allocation-conflict",
                    "message": f"the text says '{facts.allocation_text}' ({facts.allocation}); "
                    f"the registry says allocation {allocation}",
                    "evidence": facts.allocation_text,
                }
            )
    count = (enrollment or {}).get("count")
    if facts.planned_enrollment and isinstance(count, int | float) and count > 0:
        ratio = max(count, facts.planned_enrollment) / min(count, facts.planned_enrollment)
        if ratio > ENROLLMENT_FACTOR:
            etype = (enrollment or {}).get("type") or "unspecified"
            out.append(
                {
                    "kind": "enrollment-conflict",
                    "message": f"the text plans {facts.planned_enrollment} participants "
                    f"('{facts.enrollment_text}'); the registry gives {int(count)} ({etype}), "
                    f"a factor of {ratio:.1f} (flagged above {ENROLLMENT_FACTOR:g})",
                    "evidence": facts.enrollment_text,
                }
            )
    n_arms = len(arms) if isinstance(arms, list) else arms
    if n_arms is None and isinstance(design.get("number_of_arms"), int):
        n_arms = design["number_of_arms"]
    model = str(design.get("intervention_model") or "").upper()
    if facts.intervention_model == "SINGLE_GROUP" and (
        (isinstance(n_arms, int) and n_arms > 1) or model in _MULTI_ARM_MODELS
    ):
        out.append(
            {
                "kind": "arms-conflict",
                "message": f"the text says '{facts.intervention_model_text}'; the registry has "
                + (f"{n_arms} arms" if isinstance(n_arms, int) and n_arms > 1 else "")
                + (" and " if isinstance(n_arms, int) and n_arms > 1 and model else "")
                + (f"intervention model {model}" if model else ""),
                "evidence": facts.intervention_model_text,
            }
        )
    elif facts.intervention_model in _MULTI_ARM_MODELS and (model == "SINGLE_GROUP" or n_arms == 1):
        out.append(
            {
                "kind": "arms-conflict",
                "message": f"the text says '{facts.intervention_model_text}'; the registry has "
                + ("a single group" if model == "SINGLE_GROUP" else "one arm"),
                "evidence": facts.intervention_model_text,
            }
        )
