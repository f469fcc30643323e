"""Read an outcome's time frame: horizon, time points, assessment interval, anchor, events.

``parse_time_frame("every 8 weeks up to 1 year after last patient first treatment")``
returns a :class:`TimeFrame` with ``interval_days=56``, ``horizon_days=365.25`` and
``anchor="last patient first treatment"``. The text is always kept; when nothing
structured can be read, ``unparsed`` is True. The function never raises.

Conventions (stated once, used everywhere in trialkg):

* day = 1, week = 7 days, month = 30.4375 days (365.25 / 12), year = 365.25 days,
  hour = 1/24 day, minute = 1/1440 day.
* ``horizon_days`` is the furthest time the frame states: the largest duration or time
  point ("up to 24 months" -> 730.5; "baseline, 6th week, 16th week" -> 112; "at 3, 6
  and 12 months" -> 365.25; ranges count by their upper end, "12 to 24 weeks" -> 168).
  It is None when the frame states no time, and when the frame ends open ("every 8
  weeks until progression", "from cycle 13 onwards") with no bound after it. Days
  after a reference other than the start (for example "90 days after the last dose")
  still count as stated times.
* ``horizon_iso`` is an ``xsd:duration`` in the unit the text used ("P24M", "P3Y",
  "P15D", "PT192H"). Weeks have no xsd designator, so they are written in days
  ("16 weeks" -> "P112D"); fractional months or years are written as whole days.
* Cycle-relative times ("Cycle 1 Day 1", "end of cycle 8", "first 6 cycles") get days
  only when the frame gives the cycle length ("each cycle is 21 days", "28 day
  treatment cycle") and names no lead-in "cycle 0". A cycle point whose day is unknown
  leaves the horizon to the other stated times.
* "Day N" is day N (day 1 is the first day); within the one-day tolerance the
  evaluation uses, that is the same as N - 1 days elapsed.
* A compound duration adds up ("3 years 5 months" -> 1247.94 days, "P3Y5M").
* An interval range ("every 6-8 weeks") is stored at its lower end.
* Time points without a computable day ("screening", "visit 3", "during surgery",
  "cycle 2 day 1" without a cycle length) are kept with ``days`` None.
* Calendar dates ("December 2017", "2019.7-2022.7") are not durations.

>>> tf = parse_time_frame("baseline, 6th week, 16th week")
>>> tf.horizon_days, [p["label"] for p in tf.time_points]
(112.0, ['baseline', 'week 6', 'week 16'])
>>> parse_time_frame("up to 24 months").horizon_iso
'P24M'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DAYS", "TimeFrame", "parse_time_frame"]

DAYS = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 30.4375,
    "year": 365.25,
}


@dataclass
class TimeFrame:
    """What a time frame states; see the module docstring for the conventions.

    ``text`` is the input, always kept. ``horizon_days``/``horizon_iso``: the furthest
    stated time. ``time_points``: ``[{"label": "week 6", "days": 42.0}, ...]`` in order
    of appearance. ``interval_days``/``interval_text``: the first stated assessment
    interval ("every 8 weeks", "q3w"). ``anchor``: the reference the times count from
    ("first dose", "randomization", "last patient first treatment" ...).
    ``event_driven``: the frame ends at an event ("until progression", "whichever came
    first"). ``cycle_days``: the treatment-cycle length the frame states, if any.
    ``unparsed``: nothing structured could be read.
    """

    text: str
    horizon_days: float | None = None
    horizon_iso: str | None = None
    time_points: list[dict[str, Any]] = field(default_factory=list)
    interval_days: float | None = None
    interval_text: str | None = None
    anchor: str | None = None
    event_driven: bool = False
    unparsed: bool = True
    cycle_days: float | None = None


# ------------------------------------------------------------------ normalisation

_FOLD = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\u3001": ",",
        "\uff1a": ":", "\uff1b": ";", "\u2019": "'", "\u00a0": " ", "\u3000": " ",
        "\u2264": "<", "\u2265": ">", "~": " ",
    }
)  # fmt: skip

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNIT_WORD = (
    r"(?:years?|yrs?|y|months?|mounths?|mos?|m|weeks?|wks?|w|days?|d|nights?|hours?|hrs?|h|"
    r"minutes?|"
    r"mins?)"
)
_UNIT_NAMES = {
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
    "m": "month", "mo": "month", "mos": "month", "month": "month", "months": "month",
    "mounth": "month", "mounths": "month",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "d": "day", "day": "day", "days": "day", "night": "day", "nights": "day",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
}  # fmt: skip


_NUM_RE = r"\d+(?:\.\d+)?"


def _words_to_digits(s: str) -> str:
    def compound(m: re.Match[str]) -> str:
        return str(_TENS[m.group(1)] + (_ONES.get(m.group(2), 0) if m.group(2) else 0))

    s = re.sub(
        r"\b(" + "|".join(_TENS) + r")(?:[\s-](" + "|".join(list(_ONES)[1:10]) + r"))?\b",
        compound,
        s,
    )
    s = re.sub(r"\b(" + "|".join(_ONES) + r")\b", lambda m: str(_ONES[m.group(1)]), s)
    s = re.sub(r"\b(?:a|an)\s+(year|month|week|day|hour)\b", r"1 \1", s)
    s = re.sub(r"\bhalf\s+(?:a\s+)?year\b", "6 months", s)
    s = re.sub(r"\bfirst\s+(year|month|week|day)\b", r"1 \1", s)
    return s


def _normalise(text: str) -> str:
    s = text.translate(_FOLD).lower()
    s = " ".join(s.split())
    s = re.sub(r"\buntill?\b|\btill\b", "until", s)
    s = _words_to_digits(s)
    s = re.sub(r"\b(\d+)(?:st|nd|rd|th)\s+(week|day|month|year|cycle|visit)s?\b", r"\2 \1", s)
    s = re.sub(r"\bc(\d+)\s*d(\d+)\b", r"cycle \1 day \2", s)
    s = re.sub(r"\b(day|week|month|year|cycle|visit)(\d)", r"\1 \2", s)
    s = re.sub(r"(?<![a-z\d.])(\d+(?:\.\d+)?)(" + _UNIT_WORD + r")\b", r"\1 \2", s)
    # a visit window ("day 15 (±7 days)") is a tolerance, not a time
    s = re.sub(r"(?:±|\+/-|\+-)\s*" + _NUM_RE + r"\s*" + _UNIT_WORD + r"\b", " ", s)
    return s


# ------------------------------------------------------------------ pieces

_NUM = r"\d+(?:\.\d+)?"


@dataclass
class _Time:
    start: int
    end: int
    days: float | None
    value: float
    unit: str  # year, month, week, day, hour, minute, cycle
    point: bool = False  # an assessment time (also shown in time_points)
    label: str | None = None
    iso: str | None = None  # set for compound durations ("3 years 5 months" -> "P3Y5M")


def _iso(t: _Time) -> str | None:
    if t.iso:
        return t.iso
    if t.days is None:
        return None
    v = t.value
    whole = float(v).is_integer()
    if t.unit == "year" and whole:
        return f"P{int(v)}Y"
    if t.unit == "month" and whole:
        return f"P{int(v)}M"
    if t.unit == "hour":
        return f"PT{int(v)}H" if whole else f"PT{round(v * 60)}M"
    if t.unit == "minute":
        return f"PT{int(v)}M" if whole else f"PT{round(v * 60)}S"
    days = t.days
    return f"P{int(round(days))}D" if days >= 1 else f"PT{round(days * 24)}H"


_ISO_DESIGNATOR = {"year": "Y", "month": "M", "day": "D"}


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _mask(s: str, start: int, end: int) -> str:
    return s[:start] + " " * (end - start) + s[end:]


_CYCLE_LEN = [
    re.compile(
        r"(?:each|every|one|1|per|a)\s+cycles?\s+(?:is|=|of|lasts?|being|equals|"
        r"consists of|is of)?\s*(?:of\s+)?(\d+)(?:\s*(?:-|to)\s*(\d+))?\s*-?\s*"
        r"(days?|weeks?)\b"
    ),
    re.compile(
        r"(\d+)(?:\s*(?:-|to)\s*(\d+))?\s*-?\s*(days?|weeks?)\s+(?:treatment\s+)?"
        r"cycles?\b"
    ),
    re.compile(
        r"cycles?\s+(?:length\s+)?(?:of|is|=)\s+(\d+)(?:\s*(?:-|to)\s*(\d+))?\s*"
        r"(days?|weeks?)\b"
    ),
    re.compile(
        r"cycles?\s+(?:are\s+|is\s+)?repeated\s+every\s+(\d+)(?:\s*(?:-|to)\s*(\d+))?"
        r"\s*(days?|weeks?)\b"
    ),
    re.compile(r"cycle\s+\d+\s*\((\d+)()\s*(days?)\)"),
    # "Cycle 1 (Day 1-28)": the first cycle's span gives its length
    re.compile(r"cycle\s+1\s*\(\s*days?\s*1\s*(?:-|to)\s*(\d+)()\s*\)()"),
]

_INTERVALS = [
    (re.compile(rf"\bevery\s+other\s+({_UNIT_WORD})\b"), "other"),
    (
        re.compile(rf"\bevery\s+({_NUM})(?:\s*(?:-|to)\s*({_NUM}))?\s*-?\s*({_UNIT_WORD})\b"),
        "every",
    ),
    (re.compile(r"\bevery\s+(\d+)\s+cycles?\b"), "cycles"),
    (re.compile(r"\bevery\s+cycle\b"), "cycle"),
    (re.compile(r"\bevery\s+(year|month|week|day|hour)\b"), "every1"),
    (re.compile(r"\bq\s?(\d+)\s?(w|wks?|weeks?|d|days?|m|mo|months?)\b"), "q"),
    (
        re.compile(
            r"\b(daily|weekly|bi-?weekly|fortnightly|monthly|quarterly|yearly|annually|"
            r"semi-?annually|half[\s-]annually|twice\s+a\s+year)\b"
        ),
        "word",
    ),
]
_INTERVAL_WORDS = {
    "daily": 1.0, "weekly": 7.0, "biweekly": 14.0, "bi-weekly": 14.0, "fortnightly": 14.0,
    "monthly": DAYS["month"], "quarterly": 3 * DAYS["month"], "yearly": DAYS["year"],
    "annually": DAYS["year"], "semiannually": DAYS["year"] / 2,
    "semi-annually": DAYS["year"] / 2, "half annually": DAYS["year"] / 2,
    "half-annually": DAYS["year"] / 2, "twice a year": DAYS["year"] / 2,
}  # fmt: skip

_SEP = r"\s*(?:,|;|and|&|or|/)\s*(?:and\s+|or\s+)?"
_RANGE = r"\s*(?:-|to|through)\s*"
_NUMBER_FIRST = re.compile(
    rf"(?<![\w.])(-?{_NUM})((?:(?:{_SEP}|{_RANGE})-?{_NUM})*)\s*-?\s*({_UNIT_WORD})\b"
)
_UNIT_FIRST = re.compile(
    rf"\b(day|week|month|year|hour)s?\s*(-?{_NUM})"
    rf"((?:(?:{_SEP}|{_RANGE})(?:(?:\1)s?\s*)?-?{_NUM}(?![\w.]))*)"
)
_KEYWORD_POINTS = [
    (re.compile(r"\bbase[\s-]?line\b|\bbasline\b"), "baseline", 0.0),
    (re.compile(r"\bscreening\b"), "screening", None),
    (re.compile(r"\bpre-?dose\b"), "pre-dose", 0.0),
    (re.compile(r"\bend of (?:study )?treatment\b"), "end of treatment", None),
    (
        re.compile(r"\b(?:end of (?:the )?study|study completion|study close)\b"),
        "end of study",
        None,
    ),
    (
        re.compile(
            r"\bintra-?operative(?:ly)?\b|\bduring\s+(?:the\s+)?(?:surgery|procedure|"
            r"operation|implantation)\b|\bat\s+(?:the\s+time\s+of\s+)?implant(?:ation)?\b|"
            r"\btime\s+of\s+implant|\bduration\s+of\s+(?:the\s+)?(?:surgery|procedure|operation)\b"
        ),
        "during surgery",
        None,
    ),
    (re.compile(r"\bday\s+of\s+(?:dosing|surgery|treatment|infusion)\b"), "day of dosing", 0.0),
]
_VISIT = re.compile(
    r"\bv(\d{1,2})\b|\bvisits?\s+(\d{1,2})((?:\s*(?:,|and|&|or)\s*\d{1,2}"
    r"(?![\w.]))*)"
)

_OPEN = re.compile(
    r"\bonwards?\b|\bthereafter\b|\bunless\b|"
    r"\buntil\b[^,;.]*?\b(?:progression|progressive disease|pd|death|relapse|recurrence|"
    r"discontinuation|withdraw\w*|lost to follow-?up|loss to follow-?up)\b"
)
_EVENT = re.compile(
    r"whichever\s+(?:came|comes|occurs|occurred|is|happens|happened)\s+(?:first|earlier|"
    r"earliest|sooner)|"
    r"\buntil\s+(?:the\s+)?(?:date\s+of\s+)?(?:the\s+)?(?:first\s+|1st\s+|second\s+)?"
    r"(?:(?:documented|objective|objectively|radiological|radiographic|confirmed|"
    r"investigator-assessed)\s+)*(?:disease\s+|tumou?r\s+)?(?:progression|relapse|recurrence)|"
    r"\buntil\s+(?:death|pd\b|progressive disease)|"
    r"\b(?:progression|pd|relapse|recurrence)\s+or\s+death\b|"
    r"\bdeath\s+(?:or|and)\s+(?:disease\s+)?progression\b|"
    r"\bevent[\s-]driven\b|\bevents?\s+(?:have|has)\s+occurred\b|"
    r"\b(?:up\s+)?to\s+(?:the\s+)?(?:date\s+of\s+)?(?:first\s+)?(?:documented\s+)?"
    r"(?:disease\s+)?progression\b"
)

# canonical anchor name -> pattern (normalised, lower-case text)
_ANCHORS: list[tuple[str, re.Pattern[str]]] = [
    (
        "last patient first treatment",
        re.compile(
            r"last\s+(?:patient|subject|participant)(?:'s)?\s+first\s+(?:treatment|dose|visit)|"
            r"\blpft\b"
        ),
    ),
    (
        "last patient enrolled",
        re.compile(
            r"last\s+(?:patient|subject|participant|pt)\s+(?:enrolled|enrolment|enrollment|"
            r"randomi[sz]ed|in\b)|(?:enrol+ment|inclusion)\s+of\s+(?:the\s+)?last\s+"
            r"(?:patient|subject|participant)"
        ),
    ),
    (
        "first dose",
        re.compile(
            r"first\s+(?:study\s+)?(?:drug\s+|treatment\s+)?(?:dose|dosing|administration|"
            r"infusion|injection)|\bdose\s+1\b|(?:start|initiation|date)\s+of\s+(?:study\s+)?"
            r"(?:drug|dosing)\b|first[\s-]dose\s+date|d\s+first\s+dose"
        ),
    ),
    ("randomization", re.compile(r"\brandomi[sz](?:ation|ed)\b|\brandom\s+assignment")),
    (
        "start of treatment",
        re.compile(
            r"(?:start|initiation|beginning|commencement|begin)\s+(?:date\s+)?of\s+(?:the\s+)?"
            r"(?:study\s+|1st[\s-]line\s+|first[\s-]line\s+)?(?:treatment|therapy|intervention)|"
            r"treatment\s+(?:start|initiation)|(?:the\s+)?treatment\s+began|"
            r"day\s+1\s+of\s+(?:the\s+)?treatment|start(?:ing)?\s+(?:the\s+)?(?:study\s+)?"
            r"treatment|(?:first|1st)\s+day\s+of\s+treatment|\binitiation\b|\bstart of study\b"
        ),
    ),
    (
        "enrollment",
        re.compile(
            r"\benrol+(?:ment|ed)\b|\bregistration\b|\brecruit(?:ing|ment)\b|"
            r"\bstudy\s+inclusion\b|\binclusion\b"
        ),
    ),
    (
        "study entry",
        re.compile(
            r"\b(?:study|trial)\s+entry\b|\bentry\s+into\s+the\s+"
            r"(?:study|trial)\b"
        ),
    ),
    ("informed consent", re.compile(r"\binformed\s+consent\b")),
    ("index date", re.compile(r"\bindex\s+date\b")),
    ("diagnosis", re.compile(r"\bdiagnosis\b")),
    ("last visit", re.compile(r"\blast\s+(?:scheduled\s+)?visit\b")),
    (
        "last dose",
        re.compile(
            r"\blast\s+(?:study\s+)?(?:dose|dosing|administration|infusion|injection)\b|"
            r"\bfinal\s+dose\b|\blast\s+(?:\w+\s+)?(?:infusion|dose)\b|\blast\s+treatment\b|"
            r"\blast\s+rt\s+day\b"
        ),
    ),
    (
        "end of treatment",
        re.compile(
            r"\bend\s+of\s+(?:study\s+)?treatment\b|\bdiscontinuation\s+of\s+(?:study\s+)?"
            r"treatment\b|\bcompletion\s+of\s+(?:study\s+)?(?:drug|treatment)\b|"
            r"\bpost[\s-]?treatment\b|\bafter\s+treatment\b"
        ),
    ),
    (
        "surgery",
        re.compile(
            r"\bsurgery\b|\bsurgical\b|\boperation\b|\bpost-?operative\w*|\bprostatectomy\b|"
            r"\bimplantation\b|\bprocedure\b|\bresection\b"
        ),
    ),
    ("radiotherapy", re.compile(r"\bradiotherapy\b|\bradiation\s+therapy\b")),
    ("transplantation", re.compile(r"\btransplant\w*\b|\bhsct\b")),
    ("dose", re.compile(r"\bpost-?dose\b|\bafter\s+dosing\b|\bdosing\b")),
    ("baseline", re.compile(r"\bfrom\s+base[\s-]?line\b|\bbase[\s-]?line\s+(?:to|until|up)\b")),
]
# Phrases that name their reference without "from"/"after" before them.
_SELF_ANCHORS: list[tuple[str, re.Pattern[str]]] = [
    ("last patient first treatment", dict(_ANCHORS)["last patient first treatment"]),
    ("last patient enrolled", dict(_ANCHORS)["last patient enrolled"]),
    (
        "start of treatment",
        re.compile(
            r"\bday\s+1\s+of\s+(?:the\s+)?(?:study\s+)?treatment\b|"
            r"\bc(?:ycle)?\s*1\s*d(?:ay)?\s*1\b"
        ),
    ),
    ("end of treatment", re.compile(r"\bpost[\s-]?treatment\b")),
    (
        "surgery",
        re.compile(
            r"\bpost[\s-]?(?:operative\w*|surgery|surgical|procedure|"
            r"implantation|radical prostatectomy|prostatectomy)\b"
        ),
    ),
    ("dose", re.compile(r"\bpost[\s-]?dose\b")),
]
_ANCHOR_INTRO = re.compile(
    r"^\s*[),]?\s*(?:\(?\s*)?(?:after|from|since|following|post|of|past|beyond|relative to)"
    r"[\s-]+(?:the\s+)?(?:date\s+of\s+)?(?:the\s+)?"
)
_FROM = re.compile(
    r"\b(?:from|since|after|following|post)[\s-]+(?:the\s+)?(?:date\s+of\s+)?"
    r"(?:the\s+)?"
)


def _unit(word: str) -> str:
    return _UNIT_NAMES.get(word, word)


def _cycle_length(s: str) -> tuple[float | None, list[tuple[int, int]]]:
    """Cycle length in days and the spans that state it (not durations themselves)."""
    lengths: set[float] = set()
    spans: list[tuple[int, int]] = []
    for rx in _CYCLE_LEN:
        for m in rx.finditer(s):
            spans.append(m.span())
            lo, hi, unit = m.group(1), m.group(2), m.group(3)
            per = 7.0 if unit.startswith("week") else 1.0
            if not unit:  # the span form: keep its days as times, take only the length
                spans.pop()
            if hi:  # a range of cycle lengths: unknown
                lengths.add(-1.0)
            else:
                lengths.add(float(lo) * per)
    if len(lengths) == 1 and -1.0 not in lengths:
        return lengths.pop(), spans
    return None, spans


def _cycle_times(s: str, length: float | None) -> tuple[list[_Time], list[tuple[int, int]], bool]:
    """Cycle-relative times; returns (times, consumed spans, some day unknown)."""
    times: list[_Time] = []
    spans: list[tuple[int, int]] = []
    unknown = False
    has_cycle0 = bool(re.search(r"\bcycle\s+0\b", s))

    def day_of(cycle: int, day: float) -> float | None:
        """Day of a cycle-relative time: known only with the cycle length (and no lead-in)."""
        if length is None or has_cycle0:
            return None
        return (cycle - 1) * length + day

    def add(start: int, end: int, days: float | None, label: str, point: bool) -> None:
        nonlocal unknown
        if days is None:
            unknown = True
        times.append(_Time(start, end, days, days or 0.0, "cycle", point, label))
        spans.append((start, end))

    for m in re.finditer(
        r"\bend\s+of\s+cycles?\s+(\d+)((?:[\s()]*(?:,|and|&)[\s()]*(?:cycle\s*)?\d+)*)", s
    ):
        for n in [m.group(1), *re.findall(r"\d+", m.group(2))]:
            k = int(n)
            add(m.start(), m.end(), k * length if length else None, f"end of cycle {k}", True)
    for m in re.finditer(
        r"\b(?:first|initial)\s+(\d+)\s+(?:treatment\s+)?cycles?\b|"
        r"\bcycles?\s+1\s*(?:-|to|through)\s*(\d+)\b",
        s,
    ):
        k = int(m.group(1) or m.group(2))
        add(m.start(), m.end(), k * length if length else None, f"cycles 1-{k}", False)
    for m in re.finditer(
        r"\bcycle\s+(\d+)[,\s]*(?:\(\s*)?days?\s*(\d+)((?:\s*(?:,|and|&|-|to)\s*"
        r"(?:days?\s*)?\d+(?![\w.]))*)",
        s,
    ):
        k = int(m.group(1))
        for n in [m.group(2), *re.findall(r"\d+", m.group(3))]:
            d = float(n)
            add(m.start(), m.end(), day_of(k, d), f"cycle {k} day {n}", True)
    for m in re.finditer(r"((?:\bdays?\s*\d+\s*(?:,|and|&)?\s*)+)of\s+cycle\s*(\d+)", s):
        k = int(m.group(2))
        for n in re.findall(r"\d+", m.group(1)):
            add(m.start(), m.end(), day_of(k, float(n)), f"cycle {k} day {n}", True)
    covered = list(spans)
    for m in re.finditer(r"\b(?:from\s+)?cycles?\s+(\d+)(?!\s*(?:-|to)\s*\d)", s):
        if any(a <= m.start() < b for a, b in covered):
            continue
        if re.match(r"\s*onwards?", s[m.end() :]):
            spans.append(m.span())
            continue
        k = int(m.group(1))
        add(m.start(), m.end(), day_of(k, 1.0), f"cycle {k}", True)
    return times, spans, unknown


def _anchor(s: str, horizon: _Time | None) -> str | None:
    if horizon is not None:
        intro = _ANCHOR_INTRO.match(s[horizon.end :])
        if intro:
            rest = s[horizon.end + intro.end() :]
            if re.match(r"treatment\b", rest) and re.search(
                r"(?:post|after|following)[\s-]+$", s[: horizon.end + intro.end()]
            ):
                return "end of treatment"
            for name, rx in _ANCHORS:
                m = rx.match(rest)
                if m:
                    return name
    best: tuple[int, str] | None = None
    for m in _FROM.finditer(s):
        rest = s[m.end() :]
        for name, rx in _ANCHORS:
            a = rx.match(rest)
            if a and (best is None or m.start() < best[0]):
                best = (m.start(), name)
                break
    if best:
        return best[1]
    for name, rx in _SELF_ANCHORS:
        if rx.search(s):
            return name
    return None


# ------------------------------------------------------------------ entry point


def parse_time_frame(text: str | None) -> TimeFrame:
    """Read a time frame; never raises (unreadable text gives ``unparsed=True``).

    >>> tf = parse_time_frame("every 8 weeks up to 1 year after last patient first treatment")
    >>> tf.interval_days, tf.horizon_days, tf.anchor
    (56.0, 365.25, 'last patient first treatment')
    >>> tf = parse_time_frame("From date of first dose until the date of first documented "
    ...     "progression or date of death from any cause, whichever came first, assessed up "
    ...     "to 24 months")
    >>> tf.horizon_days, tf.anchor, tf.event_driven
    (730.5, 'first dose', True)
    """
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    out = TimeFrame(text=raw)
    try:
        _parse(" ".join(raw.split()), out)
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return TimeFrame(text=raw)
    return out


def _parse(text: str, out: TimeFrame) -> None:
    if not text:
        return
    s = _normalise(text)
    work = s
    length, len_spans = _cycle_length(s)
    out.cycle_days = length
    for a, b in len_spans:
        work = _mask(work, a, b)

    # intervals: the first stated one is the assessment interval
    intervals: list[tuple[int, int, float | None, str]] = []
    for rx, kind in _INTERVALS:
        for m in rx.finditer(work):
            days: float | None
            if kind == "other":
                days = 2 * DAYS[_unit(m.group(1))]
            elif kind == "every":
                days = float(m.group(1)) * DAYS[_unit(m.group(3))]
            elif kind == "cycles":
                days = int(m.group(1)) * length if length else None
            elif kind == "cycle":
                days = length
            elif kind == "every1":
                days = DAYS[m.group(1)]
            elif kind == "q":
                days = float(m.group(1)) * DAYS[_unit(m.group(2))]
            else:
                days = _INTERVAL_WORDS.get(m.group(1).replace("  ", " "))
            intervals.append((m.start(), m.end(), days, m.group(0)))
    intervals.sort()
    for a, b, _, _ in intervals:
        work = _mask(work, a, b)
    if intervals:
        out.interval_days = intervals[0][2]
        out.interval_text = intervals[0][3]

    times: list[_Time] = []
    ctimes, cspans, cycle_unknown = _cycle_times(work, length)
    for a, b in cspans:
        work = _mask(work, a, b)

    for m in _UNIT_FIRST.finditer(work):
        if re.search(rf"{_NUM}\s*-?\s*$", work[: m.start()]):
            continue  # "3 years 5 months": a compound duration, not "year 5"
        unit = m.group(1)
        # only the first value may be negative ("week -1"); "weeks 5-18" is a range
        nums = [m.group(2), *re.findall(_NUM, re.sub(unit + r"s?", " ", m.group(3)))]
        for n in nums:
            v = float(n)
            label = f"{unit} {n.rstrip('0').rstrip('.') if '.' in n else n}"
            times.append(_Time(m.start(), m.end(), v * DAYS[unit], v, unit, True, label))
        work = _mask(work, m.start(), m.end())

    previous: _Time | None = None
    for m in _NUMBER_FIRST.finditer(work):
        unit = _unit(m.group(3))
        if unit not in DAYS:
            continue
        if (
            previous is not None
            and not m.group(2)
            and re.fullmatch(r"\s*(?:and\s+)?", work[previous.end : m.start()])
            and DAYS[unit] < DAYS[previous.unit]
            and previous.unit in _ISO_DESIGNATOR
            and unit in _ISO_DESIGNATOR
        ):
            # "3 years 5 months": one duration made of parts
            v = float(m.group(1))
            days = (previous.days or 0.0) + v * DAYS[unit]
            iso = previous.iso or f"P{_fmt(previous.value)}{_ISO_DESIGNATOR[previous.unit]}"
            iso += f"{_fmt(v)}{_ISO_DESIGNATOR[unit]}"
            times.append(
                _Time(
                    previous.start,
                    m.end(),
                    days,
                    days,
                    "compound",
                    previous.point,
                    f"{previous.label} {_fmt(v)} {unit}s",
                    iso,
                )
            )
            previous = None
            continue
        nums = [m.group(1), *re.findall(r"-?" + _NUM, m.group(2))]
        before = work[max(0, m.start() - 12) : m.start()]
        after = work[m.end() : m.end() + 14]
        as_point = (
            bool(re.search(r"\b(?:at|on)\s*$", before))
            or len(nums) > 1
            and bool(
                re.search(r"\b(?:at|on|and)\s*$", before) or re.match(r"\s*(?:post|after)", after)
            )
        )
        as_point = as_point or bool(re.match(r"\s*(?:post|after|following|later)\b", after))
        if previous is not None and previous.point:  # "at 12 months and 24 months"
            as_point = as_point or bool(
                re.fullmatch(r"\s*(?:,|and|&)\s*(?:and\s+)?", work[previous.end : m.start()])
            )
        for n in nums:
            v = abs(float(n))
            if "." in n and unit in ("year", "month") and v > 1900:
                continue  # "2019.7": a date
            label = f"{unit} {n.lstrip('-')}"
            times.append(_Time(m.start(), m.end(), v * DAYS[unit], v, unit, as_point, label))
        previous = times[-1] if len(nums) == 1 and times else None

    for rx, label, days in _KEYWORD_POINTS:
        m = rx.search(s)
        if m:
            times.append(_Time(m.start(), m.end(), days, days or 0.0, "day", True, label))

    for m in _VISIT.finditer(work):
        nums = [m.group(1)] if m.group(1) else [m.group(2), *re.findall(r"\d+", m.group(3))]
        for n in nums:
            times.append(_Time(m.start(), m.end(), None, 0.0, "visit", True, f"visit {int(n)}"))

    all_times = sorted(times + ctimes, key=lambda t: t.start)
    # time points in order of appearance
    seen: set[str] = set()
    for t in all_times:
        if t.point and t.label and t.label not in seen:
            seen.add(t.label)
            out.time_points.append(
                {"label": t.label, "days": None if t.days is None else round(t.days, 4)}
            )

    # the horizon: the furthest stated time, unless the frame ends open
    candidates = [t for t in times if t.days is not None and t.days > 0]
    if not cycle_unknown:
        candidates += [t for t in ctimes if t.days is not None and t.days > 0]
    open_end = None
    for m in _OPEN.finditer(s):
        open_end = m.end()
    bounded = open_end is None or any(t.start >= open_end for t in candidates)
    if candidates and bounded:
        best = max(candidates, key=lambda t: (t.days or 0.0, -t.start))
        out.horizon_days = float(best.days or 0.0)
        out.horizon_iso = _iso(best)
        out.anchor = _anchor(s, best)
    else:
        out.anchor = _anchor(s, None)
    out.event_driven = bool(_EVENT.search(s))
    out.unparsed = not (
        out.horizon_days is not None
        or out.time_points
        or out.interval_text
        or out.anchor
        or out.event_driven
        or out.cycle_days
        or any(t.days is not None for t in times)
    )
    if out.horizon_days is not None and math.isfinite(out.horizon_days):
        out.horizon_days = float(out.horizon_days)
