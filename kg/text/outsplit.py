"""Split ClinicalTrials.gov "flat" outcome fields into (measure, description, time frame).

The website CSV export and the seed flat text write all outcomes of one role as one
string: outcomes joined by ``|``, each outcome written as ``measure, description,
timeFrame`` joined by ``", "`` with empty parts dropped, and every run of whitespace
folded to one space. Every part may itself contain ``", "`` (and, rarely, ``|``), so
the field is ambiguous; this module resolves it the way a careful reader would.

How it works, for one field:

1. Fold whitespace, then cut the field into outcomes at ``|``. A ``|`` that cannot be
   a join point stays inside the text: parts are stripped and never empty, so a bar
   next to a space, at either end, doubled or before a comma is not one, nor is a bar
   inside brackets opened before it and closed after it ("Ratio (A|B)").
2. Cut each outcome at every ``", "`` into *atoms* and describe each atom once: how
   much of it reads like a time expression (units, numbers, "baseline", "up to",
   visit and dose words...), whether it opens with a capital, a conjunction, a
   number or a bracket, whether it ends with a period, its bracket balance, its
   sentence verbs, and so on; prefix sums then describe any span in O(1).
3. Score every segmentation ``measure = atoms[:i]``, ``description = atoms[i:j]``,
   ``time frame = atoms[j:]`` (description and time frame may be empty) as a sum of
   part scores (measure by ``i``, time frame by ``j``, description by its start,
   end and span) and cut scores (what lies either side of each cut), with the linear
   weights in :data:`WEIGHTS`. This is a small dynamic programme over cut points:
   every part score is computed once, only the description span is scored per
   ``(i, j)`` pair, the measure and time frame are bounded
   (:data:`MAX_MEASURE_ATOMS`, :data:`MAX_TIME_ATOMS`) and long outcomes pair only the
   :data:`BEAM` best description starts and ends, so the cost grows linearly.
4. Outcomes of one field are written by one hand, so the field is used as context:
   a candidate time frame (or description and time frame) that also ends another
   outcome, or a measure that also starts one, is a feature; and after a first pass,
   the layout of the other outcomes (with a description? a time frame? commas in the
   measure?) is a feature of a second pass.

The weights come from :func:`fit_weights`: a log-linear ranking of all candidate
segmentations (softmax, Adagrad, L2), fitted on real records of the shared corpus
(the flat truth, the urology CSV/JSON pairs, and the classic-API JSON and legacy XML
fixtures). The features are shape-level and the word lists below are general, so
that the weights carry over to all of ClinicalTrials.gov rather than memorise the
fitted studies; ``bench/outcome_split.py --cv`` refits on half the studies and
measures the other half.

Everything here is a pure function of its input, with no I/O (a bounded cache of
word look-ups aside).
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import random
import re
from collections.abc import Iterable, Sequence

__all__ = ["WEIGHTS", "fit_weights", "split_outcome", "split_outcomes"]

# ---------------------------------------------------------------------------
# Tunable word lists. All are matched on lower-cased word tokens.
# ---------------------------------------------------------------------------

# Units of time (with the usual abbreviations). A time frame is mostly made of these
# and of numbers: "Baseline, 12 weeks", "0.5, 1, 2 hrs post-dose".
TIME_UNITS = frozenset(
    """
    s sec secs second seconds min mins minute minutes h hr hrs hour hours hourly
    d day days daily wk wks week weeks weekly mo mos mon month months monthly
    y yr yrs year years yearly annual annually night nights overnight
    """.split()
)

# Words that, besides units, mark a time frame: reference points of a trial
# (baseline, screening, visit, dose, surgery, discharge...), time prepositions used
# as "up to", "through", "until", and the stock phrases of the registry's time-frame
# templates ("through study completion, an average of 1 year"; "from date of
# randomization until ..., whichever came first, assessed up to 100 months").
TIME_WORDS = frozenset(
    """
    baseline screening enrollment enrolment inclusion randomization randomisation
    registration admission discharge visit visits cycle cycles course courses session
    sessions period periods timepoint timepoints time point points interval intervals
    dose dosing predose postdose pre post prior before after until till through
    throughout during within up upto approximately approx average median maximum
    minimum every each end completion follow followup duration first last final
    whichever comes came occurs occurred occur earliest later postoperative
    preoperative postoperatively preoperatively postop preop perioperative operative
    postpartum delivery surgery procedure implantation date dates recruitment entry
    start onset initiation termination discontinuation withdrawal hospitalization
    hospitalisation postdelivery pregnancy gestation birth lifetime
    """.split()
)

# Prepositions that open a time frame when a time word follows ("at 12 weeks", "on
# day 28", "over 6 months", "for the duration of the study").
TIME_PREPOSITIONS = frozenset("at on from by over for in to within during between".split())

# Words spelt-out numbers; "one year", "six months" are time expressions too.
NUMBER_WORDS = frozenset(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty
    sixty seventy eighty ninety hundred half
    """.split()
)

# Month names: calendar dates ("January 2020 to March 2021") are time frames.
MONTH_NAMES = frozenset(
    """
    january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)

# Function words and very common words of every part. They are left out of the
# "how time-like is this text" ratio, so that "at the end of the study" counts as
# time-like and "the number of participants with adverse events" does not count
# as half time-like.
NEUTRAL_WORDS = frozenset(
    """
    a an the of to in on at for from by with and or as is are be was were will
    this that these those its their his her per vs versus than via into about
    study studies treatment treatments patient patients participant participants
    subject subjects all any
    """.split()
)

# Coordinating words: a part that opens with one of them closes a list that began in
# the previous part ("sexual desire, and overall satisfaction", "4, 8, and 12 weeks").
CONJUNCTIONS = frozenset("and or nor & plus and/or but".split())

# Other words that continue a phrase rather than start a part ("..., as measured by
# ...", "..., which is defined as ...", "..., including ...").
CONTINUATION_WORDS = frozenset(
    """
    as which who whom whose that where when while whereas including include includes
    such e.g eg i.e ie etc respectively then than with without versus vs both either
    neither if unless because since so thus hence defined measured assessed
    whichever whatever
    """.split()
)

# A part cut right after one of these words leaves a dangling phrase
# ("from baseline to, week 12" cannot be a cut).
DANGLING_WORDS = frozenset(
    """
    a an the of to in on at for from by with and or nor as than vs versus via into
    including include such between among per is are was were be will e.g i.e eg ie
    whether that which who whose whom how what using over under like especially
    particularly
    """.split()
)

# Verbs and verb forms of sentences. Descriptions are sentences ("ORR is defined as
# ...", "will be measured using ..."); measures are noun phrases and time frames are
# mostly verbless.
SENTENCE_WORDS = frozenset(
    """
    is are was were will be been being has have had can may should must would
    defined measured assessed calculated evaluated determined recorded reported
    collected performed obtained derived computed scored rated used using consists
    consist ranges range indicates indicate represents represent means refers
    includes included describes compared administered asked completed
    """.split()
)

# Words that typically open a description: descriptions are sentences or definitions
# ("The number of ...", "It is defined as ...", "Proportion of participants ...",
# "To assess ..."), while a measure that goes on after a comma rarely restarts with a
# determiner or a quantity noun.
DESCRIPTION_OPENERS = frozenset(
    """
    the a an this these those it its each all any our we participants patients
    subjects number percentage percent proportion mean median rate time total
    to assessed measured defined evaluated calculated determined using used
    self-reported comparing compare comparison assessment evaluation measurement
    """.split()
)

# Analysis-set tags that old results-style measures append after commas ("...,
# Week 12/Final Visit, mITT, LOCF"): a part does not start with them.
ANALYSIS_SETS = frozenset("mitt itt locf bocf ocf fas pp per-protocol population".split())

# Numbers right after these words label things rather than times ("Question 3",
# "Grade 2", "Part A1", "IIEF-5 item 15"), so they do not make the text time-like.
LABEL_WORDS = frozenset(
    """
    question questions q item items domain domains grade grades stage stages phase
    type types part parts arm arms group groups level levels cohort cohorts version
    class step steps section figure table score scores scale no number
    """.split()
)

# Abbreviations that end with a period without ending a sentence.
NON_FINAL_ABBREVIATIONS = frozenset("e.g i.e vs etc approx al fig no dr mr mrs ms st".split())

# ---------------------------------------------------------------------------
# Search bounds. Measures rarely hold more than a handful of ", " and time frames
# (sampling schedules such as "0.25, 0.5, 1, 2, ... 48 hours") rarely more than
# two dozen; bounding them keeps the search small on pathological input.
# ---------------------------------------------------------------------------
MAX_MEASURE_ATOMS = 16
MAX_TIME_ATOMS = 40
# On outcomes with more candidate description starts (or ends) than this, only the
# best-scoring ones by their own features are paired: exact on short outcomes, and
# keeps long ones (descriptions with dozens of ", ") linear in time.
BEAM = 6
# Cuts nearest the end of an outcome whose suffix is compared with the other outcomes
# of the field (shared time frames, shared descriptions).
MAX_SHARED_ATOMS = 64

_WS = re.compile(r"\s+")
_NEUTRAL, _VERB, _TIME, _NUMBER = 1, 2, 4, 8
# A number, or a range or list of numbers: "12", "0.5", "1-4", "1,3", "-8", "≥60%".
_NUMBER_RE = re.compile(r"[-~≤≥+]?\d+(?:[.,:/–-]\d+)*%?")
# Visit and day codes, ordinals and numbers glued to a unit: "d28", "w12", "c1d1",
# "v3", "6th", "12h", "24hrs", "6mo", "8weeks".
_TIME_CODE_RE = re.compile(
    r"(?:(?:c|cycle|d|day|w|wk|week|m|mo|month|v|visit|y|yr|year)\d+)+"
    r"|\d+(?:st|nd|rd|th|s|sec|min|mins|h|hr|hrs|d|day|days|w|wk|wks|week|weeks|m|mo|mos"
    r"|month|months|y|yr|yrs|year|years)"
)
_PUNCT = ".,;:!?()[]{}<>\"'`“”‘’*=/\\（）［］【】，；："


def _lexicon() -> dict[str, int]:
    """One lookup per word: NEUTRAL_WORDS, SENTENCE_WORDS and time words as bit flags."""
    lex: dict[str, int] = {}
    for words, flag in (
        (NEUTRAL_WORDS, _NEUTRAL),
        (SENTENCE_WORDS, _VERB),
        (TIME_UNITS | TIME_WORDS | NUMBER_WORDS | MONTH_NAMES, _TIME),
    ):
        for w in words:
            lex[w] = lex.get(w, 0) | flag
    return lex


_LEXICON = _lexicon()


def _word_flags(w: str) -> int:
    """Flags of a word not in the lexicon. Numbers and number ranges ("12", "0.5",
    "1-4"), codes such as "d28", "c1d1", "6th", "12h", "24hrs", and compounds with a
    time word ("post-dose", "12-week") count as time words; names with a number
    ("IIEF-5", "SF-36", "COVID-19") do not."""
    if not (w[0].isdigit() or w[-1].isdigit() or "-" in w):
        return 0
    if _NUMBER_RE.fullmatch(w):
        return _TIME | _NUMBER
    if _TIME_CODE_RE.fullmatch(w):
        return _TIME
    if "-" in w:
        for part in w.split("-"):
            if _LEXICON.get(part, 0) & _TIME or _TIME_CODE_RE.fullmatch(part):
                return _TIME
    return 0


_ABBREV_END = re.compile(r"\(\s*[A-Z][A-Za-z0-9\-/&+ ,.]{0,20}\)\s*\.?$")
_OPENERS = "([{（［【"
_CLOSERS = ")]}）］】"
_BRACKETS = {**{c: 1 for c in _OPENERS}, **{c: -1 for c in _CLOSERS}}
_BAR_RE = re.compile(r"\|")
_BRACKET_RE = re.compile("[" + re.escape(_OPENERS + _CLOSERS) + "]")


@functools.lru_cache(maxsize=1 << 16)
def _token(raw: str) -> tuple[str, int, bool] | None:
    """(lower-cased word, flags, capitalised) of a whitespace-separated token, or None
    for bare punctuation. Cached: clinical-trial text repeats its vocabulary."""
    core = raw.strip(_PUNCT)
    if not core:
        return None
    w = core.lower()
    flags = _LEXICON.get(w)
    if flags is None:
        flags = _word_flags(w)
    return w, flags, core[0].isupper()


def _fold(text: str) -> str:
    """Every run of whitespace to one space, ends stripped."""
    return _WS.sub(" ", text).strip()


class _Atom:
    """What the scorer needs to know about one ", "-separated piece of an outcome."""

    __slots__ = (
        "text",
        "words",
        "content",
        "timey",
        "verbs",
        "caps",
        "delta",
        "quotes",
        "first",
        "last",
        "starts_upper",
        "starts_lower",
        "starts_digit",
        "starts_time",
        "ends_period",
        "ends_colon",
        "continuation",
        "conjunction",
        "dangling",
        "ends_number",
        "ends_time",
        "starts_bracket",
        "stems",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        # Words are whitespace-separated tokens stripped of surrounding punctuation:
        # much faster than a regular expression, and precise enough here.
        tokens = [t for t in map(_token, text.split()) if t is not None]
        low = [t[0] for t in tokens]
        self.words = len(tokens)
        content = timey = verbs = caps = 0
        stems = set()
        previous = ""
        for w, flags, capitalised in tokens:
            if flags & _NUMBER and previous in LABEL_WORDS:
                flags = _NUMBER  # "Question 3": a label, not a time
            previous = w
            if flags & _VERB:
                verbs += 1
            if flags & _NEUTRAL:
                continue
            content += 1
            if flags & _TIME:
                timey += 1
            if capitalised:
                caps += 1
            if len(w) > 2 and not flags & _NUMBER:
                stems.add(w[:5])
        self.content = content
        self.timey = timey
        self.verbs = verbs
        self.caps = caps
        # Crude stems of the content words, to see whether a part restates another.
        self.stems = frozenset(stems)
        self.delta = sum(_BRACKETS[m] for m in _BRACKET_RE.findall(text))
        self.quotes = text.count('"') % 2
        first = self.first = low[0] if low else ""
        last = self.last = low[-1] if low else ""
        c0 = text[:1]
        self.starts_upper = c0.isupper()
        self.starts_lower = c0.islower()
        self.starts_digit = c0.isdigit() or (c0 in "-~<>≤≥" and text[1:2].isdigit())
        self.starts_time = bool(tokens) and bool(tokens[0][1] & _TIME)
        if not self.starts_time and first in TIME_PREPOSITIONS and len(low) > 1:
            second = tokens[2] if low[1] == "the" and len(low) > 2 else tokens[1]
            self.starts_time = bool(second[1] & _TIME)
        self.ends_period = (
            text.rstrip(")]\"'’” ").endswith(".")
            and last.rstrip(".") not in NON_FINAL_ABBREVIATIONS
        )
        self.ends_colon = text.endswith((":", ";"))
        self.continuation = first in CONTINUATION_WORDS
        self.conjunction = first in CONJUNCTIONS or text.startswith("&")
        self.ends_number = last[:1].isdigit()
        self.ends_time = bool(tokens) and bool(tokens[-1][1] & _TIME)
        self.starts_bracket = c0 in _OPENERS
        self.dangling = last in DANGLING_WORDS and not text.endswith(".")


class _Outcome:
    """Prefix sums over the atoms of one outcome, so any span is described in O(1)."""

    __slots__ = (
        "atoms",
        "n",
        "p_words",
        "p_content",
        "p_timey",
        "p_verbs",
        "p_caps",
        "p_delta",
        "p_quotes",
        "p_period",
        "shared_prefix",
        "shared_suffix",
        "context",
        "next_long",
        "list_closer",
        "suffix_min",
    )

    def __init__(self, atoms: list[_Atom]) -> None:
        self.atoms = atoms
        self.n = len(atoms)
        # Cut indices whose prefix (measure) or suffix (time frame, or description and
        # time frame) also starts or ends another outcome of the field; set by _outcomes.
        self.shared_prefix: frozenset[int] = frozenset()
        self.shared_suffix: frozenset[int] = frozenset()
        # (share of the other outcomes of the field with a description, with a time
        # frame, with ", " in the measure) after a first pass; None on the first pass.
        self.context: tuple[float, float, float] | None = None
        self.p_words = _prefix(a.words for a in atoms)
        self.p_content = _prefix(a.content for a in atoms)
        self.p_timey = _prefix(a.timey for a in atoms)
        self.p_verbs = _prefix(a.verbs for a in atoms)
        self.p_caps = _prefix(a.caps for a in atoms)
        self.p_delta = _prefix(a.delta for a in atoms)
        self.p_quotes = _prefix(a.quotes for a in atoms)
        self.p_period = _prefix(int(a.ends_period) for a in atoms)
        n = self.n
        # suffix_min[k]: lowest bracket depth at the end of atoms k-1.. (after atom k-1).
        self.suffix_min = [0] * (n + 2)
        low = math.inf
        for k in range(n, 0, -1):
            low = min(low, self.p_delta[k])
            self.suffix_min[k] = low
        self.suffix_min[n + 1] = math.inf
        # next_long[k]: first index >= k of an atom longer than three words (or n).
        self.next_long = [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            self.next_long[k] = k if atoms[k].words > 3 else self.next_long[k + 1]
        # list_closer[k]: index of the atom that closes a list opened at k ("SEP, IIEF,
        # and RSE scores"; "21, and 33 weeks"): short items, then one led by a
        # conjunction; n when atoms[k:] do not open with the tail of a list.
        self.list_closer = [n] * (n + 1)
        for k in range(n):
            depth = 0
            for m in range(k, min(n, k + 8)):
                a = atoms[m]
                if m > k and a.conjunction:
                    if a.words <= 6 and depth <= 0:
                        self.list_closer[k] = m
                    break
                if a.words > 4 or a.ends_period:
                    break
                depth += a.delta  # a list inside brackets opened here is not a tail

    def inside_brackets(self, c: int) -> bool:
        """Whether the cut before atoms[c] sits inside brackets that close after it."""
        depth = self.p_delta[c]
        if depth <= 0:
            return False
        return self.suffix_min[c + 1] < depth

    def top_cuts(self, i: int, j: int) -> int:
        """Number of cuts inside atoms[i:j] that are not inside brackets opened there."""
        depth = 0
        count = 0
        for k in range(i, j - 1):
            depth += self.atoms[k].delta
            if depth <= 0:
                count += 1
        return count

    def echo(self, j: int) -> bool:
        """Whether the text of atoms[j:] also occurs inside atoms[:j]."""
        tail = ", ".join(a.text for a in self.atoms[j:])
        head = ", ".join(a.text for a in self.atoms[:j])
        return len(tail) >= 4 and tail in head


def _prefix(values: Iterable[int]) -> list[int]:
    """Prefix sums, starting with 0."""
    return list(itertools.accumulate(values, initial=0))


def _density(o: _Outcome, i: int, j: int) -> float:
    """Share of the content words of atoms[i:j] that are time words."""
    content = o.p_content[j] - o.p_content[i]
    return (o.p_timey[j] - o.p_timey[i]) / content if content else 0.0


# The features every part has, in the order _common_values gives them.
_COMMON_NAMES = (
    "bias",
    "atoms",
    "logwords",
    "unclosed",
    "unopened",
    "quotes",
    "density",
    "verbs",
    "inner_period",
    "ends_period",
    "caps",
)


def _common_values(o: _Outcome, i: int, j: int) -> tuple[list[float], str]:
    """Values of :data:`_COMMON_NAMES` for atoms[i:j], and the length-bin name."""
    words = o.p_words[j] - o.p_words[i]
    content = o.p_content[j] - o.p_content[i]
    delta = o.p_delta[j] - o.p_delta[i]
    verbs = o.p_verbs[j] - o.p_verbs[i]
    # Periods inside the part, not counting its own end: a period-ended atom inside a
    # part hints that a part boundary was missed there.
    inner_periods = o.p_period[j - 1] - o.p_period[i]
    values = [
        1.0,
        float(j - i - 1),
        math.log1p(words),
        float(min(delta, 3)) if delta > 0 else 0.0,
        float(min(-delta, 3)) if delta < 0 else 0.0,
        float((o.p_quotes[j] - o.p_quotes[i]) % 2),
        (o.p_timey[j] - o.p_timey[i]) / content if content else 0.0,
        float(min(verbs, 3)),
        float(min(inner_periods, 3)),
        1.0 if o.atoms[j - 1].ends_period else 0.0,
        (o.p_caps[j] - o.p_caps[i]) / content if content else 0.0,
    ]
    return values, _length_bin(words)


def _common_part(o: _Outcome, i: int, j: int, tag: str) -> list[tuple[str, float]]:
    """Features every part has, named ``tag + feature``."""
    values, length_bin = _common_values(o, i, j)
    f = list(zip(_TAGGED[tag], values, strict=True))
    f.append((tag + length_bin, 1.0))
    return f


# Feature names per part tag, built once (string concatenation per candidate is slow).
_TAGGED = {tag: tuple(tag + name for name in _COMMON_NAMES) for tag in ("m_", "d_", "t_")}


def _part_score(
    o: _Outcome, i: int, j: int, tag: str, vector: list[float], weights: dict[str, float]
) -> float:
    """Score of :func:`_common_part` with the weights of its names in ``vector``."""
    values, length_bin = _common_values(o, i, j)
    return sum(map(operator.mul, vector, values)) + weights.get(tag + length_bin, 0.0)


_LENGTH_BINS = (2, 4, 8, 16, 32, 64)


def _density_bin(density: float) -> str:
    if density <= 0.0:
        return "dens=0"
    if density < 0.34:
        return "dens<.34"
    if density < 0.67:
        return "dens<.67"
    return "dens>=.67"


def _length_bin(words: int) -> str:
    for edge in _LENGTH_BINS:
        if words <= edge:
            return f"w<={edge}"
    return f"w>{_LENGTH_BINS[-1]}"


def _measure_features(o: _Outcome, i: int) -> list[tuple[str, float]]:
    """Features of the measure atoms[:i]."""
    return _common_part(o, 0, i, "m_") + _measure_extra(o, i)


def _measure_extra(o: _Outcome, i: int) -> list[tuple[str, float]]:
    """Measure features besides the common ones."""
    f = []
    last = o.atoms[i - 1]
    if _ABBREV_END.search(last.text):
        f.append(("m_abbrev_end", 1.0))
    if last.starts_time and i > 1:
        f.append(("m_last_atom_time", 1.0))
    if i in o.shared_prefix:
        f.append(("m_shared", 1.0))
    if i > 1:
        # ", " inside brackets opened in the measure ("Scale (Rosen, Riley, 1997)") say
        # less about a measure being a list than ", " at the top level.
        f.append(("m_top_commas", float(min(o.top_cuts(0, i), 5))))
        if len({a.text.lower() for a in o.atoms[:i]}) < i:
            f.append(("m_repeats", 1.0))  # "rw-PFS, rw-PFS": the second is a description
    return f


def _description_features(o: _Outcome, i: int, j: int) -> list[tuple[str, float]]:
    """Features of the description atoms[i:j] (the union of the three parts below)."""
    f = _description_start_features(o, i) + _description_span_features(o, i, j)
    if j - i > 1:
        f += _description_end_features(o, j)
    return f


def _description_start_features(o: _Outcome, i: int) -> list[tuple[str, float]]:
    """Description features that depend only on where it starts."""
    first = o.atoms[i]
    f = []
    if first.starts_upper:
        f.append(("d_starts_upper", 1.0))
    if first.first and first.first == o.atoms[0].first:
        f.append(("d_repeats_measure", 1.0))
    if first.stems:
        # Descriptions often restate the measure ("Mortality, Proportion of deaths";
        # "Change in BP, change in blood pressure"); list items rarely repeat words.
        measure_stems: set[str] = set()
        for a in o.atoms[:i]:
            measure_stems |= a.stems
        f.append(("d_overlap", len(first.stems & measure_stems) / len(first.stems)))
    if first.content:
        f.append(("d_first_caps", first.caps / first.content))
    if first.verbs:
        f.append(("d_first_verbs", 1.0))
    if first.first in DESCRIPTION_OPENERS:
        f.append(("d_opener", 1.0))
    abbrev = _ABBREV_END.search(o.atoms[i - 1].text)
    if abbrev:
        # "Overall survival (OS), OS is defined as ...": the description names the
        # abbreviation the measure ended with.
        name = abbrev.group(0).strip(" .()").lower()
        if name and name in first.text.lower():
            f.append(("d_names_abbrev", 1.0))
    if i in o.shared_suffix:
        f.append(("d_shared", 1.0))  # description and time frame shared by outcomes
    if any(a.first in ANALYSIS_SETS for a in o.atoms[i + 1 : i + 4]):
        f.append(("d_analysis_set", 1.0))  # "..., Baseline to Week 12, mITT, LOCF"
    if (
        first.words <= 8
        and not first.verbs
        and not first.ends_period
        and (" and " in first.text or " or " in first.text)
    ):
        f.append(("d_first_and", 1.0))  # "laboratory abnormalities and medication use"
    return f


def _description_end_features(o: _Outcome, j: int) -> list[tuple[str, float]]:
    """Features of the last atom of a description of two atoms or more."""
    # The last atom of a description that reads like a time expression most likely
    # opens the time frame instead ("..., baseline, every 8 weeks").
    f = [("d_last_density", _density(o, j - 1, j))]
    if o.atoms[j - 1].starts_time:
        f.append(("d_last_starts_time", 1.0))
    return f


_D_SPAN_NAMES = tuple("d_" + name for name in _COMMON_NAMES) + (
    "d_vs_m_length",
    "d_all_short",
    "d_list_tail",
)


def _description_span_values(o: _Outcome, i: int, j: int) -> tuple[list[float], str]:
    """Values of :data:`_D_SPAN_NAMES` for the description atoms[i:j], and the name of
    its length-bin feature. Computed for every (i, j) pair, hence values, not names."""
    values, length_bin = _common_values(o, i, j)
    m_words = o.p_words[i]
    d_words = o.p_words[j] - m_words
    values.append(math.log((d_words + 1) / (m_words + 1)))
    values.append(1.0 if o.next_long[i] >= j else 0.0)  # "Clinical Chemistry, Urinalysis"
    values.append(1.0 if o.list_closer[i] < j else 0.0)  # "SEP, IIEF, and RSE scores"
    return values, "d_" + length_bin


def _description_span_features(o: _Outcome, i: int, j: int) -> list[tuple[str, float]]:
    """Description features of the whole span."""
    values, length_bin = _description_span_values(o, i, j)
    f = [(name, v) for name, v in zip(_D_SPAN_NAMES, values, strict=True) if v]
    f.append((length_bin, 1.0))
    return f


def _time_features(o: _Outcome, j: int) -> list[tuple[str, float]]:
    """Features of the time frame atoms[j:]."""
    return _common_part(o, j, o.n, "t_") + _time_extra(o, j)


def _time_extra(o: _Outcome, j: int) -> list[tuple[str, float]]:
    """Time-frame features besides the common ones."""
    n = o.n
    f = []
    first = o.atoms[j]
    f.append(("t_first_density", _density(o, j, j + 1)))
    if first.starts_time:
        f.append(("t_first_starts_time", 1.0))
    if first.starts_upper:
        f.append(("t_starts_upper", 1.0))
    f.append(("t_" + _density_bin(_density(o, j, n)), 1.0))
    if n - j > 1:
        f.append(("t_rest_density", _density(o, j + 1, n)))
    if j in o.shared_suffix:
        f.append(("t_shared", 1.0))
    if o.list_closer[j] < n:
        f.append(("t_list_tail", 1.0))
    if n - j <= 8 and o.echo(j):
        # The time frame often repeats the end of the measure ("IIEF at 1, 3 and 6
        # months, 1, 3 and 6 months"); a cut inside such a repeat is unlikely.
        f.append(("t_echo", 1.0))
        if j > 1 and o.echo(j - 1):
            f.append(("t_echo_extends", 1.0))
    return f


_CUT_NAMES = {
    tag: {
        name: tag + name
        for name in (
            "next_lower",
            "next_digit",
            "next_continuation",
            "next_conjunction",
            "next_analysis_set",
            "number_list",
            "same_tail",
            "both_short",
            "time_list",
            "next_bracket",
            "in_brackets",
            "prev_density",
            "prev_period",
            "prev_colon",
            "prev_dangling",
            "next_short",
        )
    }
    for tag in ("md_", "mt_", "dt_")
}


def _cut_features(o: _Outcome, c: int, tag: str) -> list[tuple[str, float]]:
    """Features of the cut between atoms ``c-1`` and ``c`` (``tag`` is md_, mt_ or dt_)."""
    prev = o.atoms[c - 1]
    nxt = o.atoms[c]
    name = _CUT_NAMES[tag]
    f = []
    if nxt.starts_lower:
        f.append((name["next_lower"], 1.0))
    if nxt.starts_digit:
        f.append((name["next_digit"], 1.0))
    if nxt.continuation:
        f.append((name["next_continuation"], 1.0))
    if nxt.conjunction:
        f.append((name["next_conjunction"], 1.0))
    if nxt.first in ANALYSIS_SETS:
        f.append((name["next_analysis_set"], 1.0))
    if prev.ends_number and nxt.starts_digit:
        f.append((name["number_list"], 1.0))  # "days 7, 14 and 28"
    if prev.last and prev.last == nxt.last and not prev.ends_period:
        f.append((name["same_tail"], 1.0))  # "3rd month, 6th month"
    if prev.words <= 3 and nxt.words <= 3:
        f.append((name["both_short"], 1.0))
    if prev.ends_time and nxt.starts_time:
        f.append((name["time_list"], 1.0))  # "at baseline, 1st month, and 3rd month"
    if nxt.starts_bracket:
        f.append((name["next_bracket"], 1.0))  # "..., (Rosen et al., 1997) ..."
    if o.inside_brackets(c):
        f.append((name["in_brackets"], 1.0))  # "Score (range 0, 10)"
    f.append((name["prev_density"], prev.timey / prev.content if prev.content else 0.0))
    if prev.ends_period:
        f.append((name["prev_period"], 1.0))
    if prev.ends_colon:
        f.append((name["prev_colon"], 1.0))
    if prev.dangling:
        f.append((name["prev_dangling"], 1.0))
    if nxt.words <= 2:
        f.append((name["next_short"], 1.0))
    return f


def _dot(features: list[tuple[str, float]], weights: dict[str, float]) -> float:
    """Score of a feature list."""
    get = weights.get
    return sum([get(name, 0.0) * value for name, value in features])


def _candidates(n: int) -> Iterable[tuple[int, int]]:
    """All (i, j) with measure atoms[:i], description atoms[i:j], time frame atoms[j:]."""
    for i in range(1, min(n, MAX_MEASURE_ATOMS) + 1):
        for j in range(max(i, n - MAX_TIME_ATOMS), n + 1):
            yield i, j
    if n > MAX_MEASURE_ATOMS:
        yield n, n  # measure only, however long


def _segmentation_features(o: _Outcome, i: int, j: int) -> list[tuple[str, float]]:
    """All features of one segmentation (used for fitting; scoring uses the same parts)."""
    n = o.n
    f = list(_measure_features(o, i))
    if i < j:
        f += _description_features(o, i, j)
        f += _cut_features(o, i, "md_")
    if j < n:
        f += _time_features(o, j)
        f += _cut_features(o, j, "dt_" if i < j else "mt_")
    f += _structure_features(o, i, j)
    return f


def _structure_features(o: _Outcome, i: int, j: int) -> list[tuple[str, float]]:
    """Features of the shape of the segmentation, alone and against the field."""
    n = o.n
    f = []
    if i < j == n:
        f.append(("s_no_time_with_description", 1.0))
    if o.context is not None:
        f += _context_features(o.context, i < j, j < n, i > 1)
    return f


def _context_features(
    context: tuple[float, float, float], has_d: bool, has_t: bool, m_commas: bool
) -> list[tuple[str, float]]:
    """Outcomes of one field tend to share a layout: when the other outcomes have
    descriptions (time frames, ", " in the measure), this one likely does too."""
    with_d, with_t, with_m_commas = context
    f = []
    if has_d:
        f.append(("c_description", 2.0 * with_d - 1.0))
    if has_t:
        f.append(("c_time", 2.0 * with_t - 1.0))
    if m_commas:
        f.append(("c_measure_commas", 2.0 * with_m_commas - 1.0))
    return f


_Layout = tuple[bool, bool, bool]  # (has description, has time frame, ", " in measure)


def _best_by_layout(
    o: _Outcome, weights: dict[str, float]
) -> dict[_Layout, tuple[float, int, int]]:
    """Best (score, i, j) for each layout, without the field-context features.

    Scores are sums of part scores computed once each: measure by i, time frame by j,
    the cut features by cut position, description start by i and end by j; only the
    description's span features are computed per (i, j) pair. On long outcomes only
    the :data:`BEAM` best description starts and ends are paired.
    """
    n = o.n
    best: dict[_Layout, tuple[float, int, int]] = {}

    def keep(layout: _Layout, score: float, i: int, j: int) -> None:
        held = best.get(layout)
        if held is None or score > held[0]:
            best[layout] = (score, i, j)

    w = weights
    get = w.get
    ends = list(range(1, min(n, MAX_MEASURE_ATOMS) + 1))
    if n > MAX_MEASURE_ATOMS:
        ends.append(n)  # measure only, however long
    m_vector = [get(name, 0.0) for name in _TAGGED["m_"]]
    t_vector = [get(name, 0.0) for name in _TAGGED["t_"]]
    m_score = {
        i: _part_score(o, 0, i, "m_", m_vector, w) + _dot(_measure_extra(o, i), w) for i in ends
    }
    first_t = max(1, n - MAX_TIME_ATOMS)
    t_score = {
        j: _part_score(o, j, n, "t_", t_vector, w) + _dot(_time_extra(o, j), w)
        for j in range(first_t, n)
    }
    # No description: measure atoms[:i], time frame atoms[i:] (or none).
    for i in ends:
        if i == n:
            keep((False, False, i > 1), m_score[i], i, n)
        elif i >= first_t:
            score = m_score[i] + t_score[i] + _dot(_cut_features(o, i, "mt_"), w)
            keep((False, True, i > 1), score, i, i)
    # With a description atoms[i:j].
    starts = [i for i in ends if i < n]
    if not starts:
        return best
    head = {
        i: m_score[i] + _dot(_description_start_features(o, i) + _cut_features(o, i, "md_"), w)
        for i in starts
    }
    no_time = get("s_no_time_with_description", 0.0)
    tail = {j: t_score[j] + _dot(_cut_features(o, j, "dt_"), w) for j in t_score if j > 1}
    tail[n] = no_time
    d_end = {j: _dot(_description_end_features(o, j), w) for j in tail if j > 1}
    if len(head) > BEAM:
        starts = sorted(head, key=head.__getitem__, reverse=True)[:BEAM]
    stops = list(tail)
    if len(stops) > BEAM:
        stops = sorted(stops, key=lambda j: tail[j] + d_end[j], reverse=True)[:BEAM]
    span_weights = [get(name, 0.0) for name in _D_SPAN_NAMES]
    mul = operator.mul
    for i in starts:
        for j in stops:
            if j <= i:
                continue
            values, length_bin = _description_span_values(o, i, j)
            score = head[i] + tail[j] + sum(map(mul, span_weights, values))
            score += get(length_bin, 0.0)
            if j - i > 1:
                score += d_end[j]
            keep((True, j < n, i > 1), score, i, j)
    return best


def _choose(
    o: _Outcome, best: dict[_Layout, tuple[float, int, int]], weights: dict[str, float]
) -> tuple[int, int]:
    """The best (i, j) over layouts, adding the field-context features if known."""
    top = -math.inf
    cut = (1, o.n)
    for (has_d, has_t, m_commas), (score, i, j) in best.items():
        if o.context is not None:
            score += _dot(_context_features(o.context, has_d, has_t, m_commas), weights)
        if score > top:
            top = score
            cut = (i, j)
    return cut


def _best_segmentation(o: _Outcome, weights: dict[str, float]) -> tuple[int, int]:
    """The best (i, j) for one outcome: measure atoms[:i], description atoms[i:j]."""
    return _choose(o, _best_by_layout(o, weights), weights)


def _atoms(text: str) -> list[str]:
    """Cut one outcome at every ", " that leaves non-empty text on both sides."""
    pieces = text.split(", ")
    atoms: list[str] = []
    for piece in pieces:
        if atoms and (not piece or not atoms[-1]):
            atoms[-1] = atoms[-1] + ", " + piece
        else:
            atoms.append(piece)
    if len(atoms) > 1 and not atoms[-1]:
        atoms[-2] = atoms[-2] + ", "
        atoms.pop()
    return atoms


def _outcome_texts(text: str) -> list[str]:
    """Cut a folded field into outcomes at the ``|`` that can be join points."""
    if "|" not in text:
        return [text]
    n = len(text)
    out: list[str] = []
    start = 0  # just after the last accepted cut
    for match in _BAR_RE.finditer(text):
        k = match.start()
        if k == 0 or k == n - 1 or text[k - 1] in " |" or text[k + 1] in " |,":
            continue  # parts are stripped, never empty, never open with ",": not a join
        depth = sum(_BRACKETS[c] for c in _BRACKET_RE.findall(text, start, k))
        if depth > 0 and _closes_first(text, k + 1):
            continue  # "(A|B)": the bar sits inside a bracket
        out.append(text[start:k])
        start = k + 1
    out.append(text[start:])
    return [t.strip() for t in out if t.strip()]


def _closes_first(text: str, start: int) -> bool:
    """True when, from ``start``, a bracket closes (one not opened after ``start``)
    before the next ", " outside brackets: the text at ``start`` is inside brackets."""
    depth = 0
    for k in range(start, min(len(text), start + 200)):
        ch = text[k]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            if depth == 0:
                return True
            depth -= 1
        elif ch == "," and depth == 0 and text[k + 1 : k + 2] == " ":
            return False
    return False


def _outcomes(texts: list[str]) -> list[tuple[list[str], _Outcome]]:
    """Atoms and scorer state of each outcome text of one field, with field context.

    Outcomes of one study are written by one hand: time frames (and descriptions) are
    often shared ("up to 2 years" after every outcome) while measures differ. So a
    candidate measure that also starts another outcome, or a candidate time frame or
    description-and-time-frame that also ends another outcome, is a feature.
    """
    parsed = []
    for text in texts:
        atoms = _atoms(text)
        parsed.append((atoms, _Outcome([_Atom(a) for a in atoms])))
    if len(set(texts)) < 2:
        return parsed
    prefixes: dict[str, int] = {}
    suffixes: dict[str, int] = {}
    cuts = [_cut_offsets(atoms) for atoms, _ in parsed]
    for text in set(texts):
        offsets = _cut_offsets(_atoms(text))
        for _, k in offsets[:MAX_MEASURE_ATOMS]:
            prefixes[text[:k]] = prefixes.get(text[:k], 0) + 1
        for _, k in offsets[-MAX_SHARED_ATOMS:]:
            suffixes[text[k + 2 :]] = suffixes.get(text[k + 2 :], 0) + 1
    for text, (_, o), offsets in zip(texts, parsed, cuts, strict=True):
        o.shared_prefix = frozenset(
            i for i, k in offsets[:MAX_MEASURE_ATOMS] if prefixes[text[:k]] > 1
        )
        o.shared_suffix = frozenset(
            i for i, k in offsets[-MAX_SHARED_ATOMS:] if suffixes[text[k + 2 :]] > 1
        )
    return parsed


def _cut_offsets(atoms: list[str]) -> list[tuple[int, int]]:
    """(i, offset of the ", " before atoms[i]) for every cut i = 1..n-1."""
    out = []
    k = -2
    for i, a in enumerate(atoms[:-1], start=1):
        k += len(a) + 2
        out.append((i, k))
    return out


def _triple(atoms: list[str], i: int, j: int) -> tuple[str, str | None, str | None]:
    """(measure, description, time frame) for the cuts i and j."""
    return ", ".join(atoms[:i]), ", ".join(atoms[i:j]) or None, ", ".join(atoms[j:]) or None


def split_outcome(
    text: str | None, weights: dict[str, float] | None = None
) -> tuple[str, str | None, str | None] | None:
    """Split ONE outcome ``measure, description, time frame`` into its three parts.

    Whitespace is folded first. Returns None for empty text; otherwise the measure is
    never empty and a missing description or time frame is None. ``weights``
    replaces :data:`WEIGHTS` (for fitting and experiments). Prefer
    :func:`split_outcomes` on a whole field: it also uses the other outcomes.
    """
    text = _fold(text or "")
    if not text:
        return None
    ((atoms, o),) = _outcomes([text])
    i, j = _best_segmentation(o, WEIGHTS if weights is None else weights)
    return _triple(atoms, i, j)


def split_outcomes(
    text: str | None, weights: dict[str, float] | None = None
) -> list[tuple[str, str | None, str | None]]:
    """Split one flat/CSV outcome field into (measure, description, time_frame) triples.

    The field holds outcomes joined by ``|``, each ``measure, description, time
    frame`` joined by ``", "`` with empty parts dropped (the ClinicalTrials.gov CSV
    export and the seed flat text). Whitespace is folded; empty or None input gives
    ``[]``. Missing descriptions and time frames are None. Never raises on a string.
    ``weights`` replaces :data:`WEIGHTS` (for fitting and experiments).

    >>> split_outcomes("Overall survival (OS), Time from randomisation to death., up to 2 years")
    [('Overall survival (OS)', 'Time from randomisation to death.', 'up to 2 years')]
    """
    if not text:
        return []
    folded = _fold(text)
    if not folded:
        return []
    w = WEIGHTS if weights is None else weights
    parsed = _outcomes(_outcome_texts(folded))
    layouts = [_best_by_layout(o, w) for _, o in parsed]
    cuts = [_choose(o, b, w) for (_, o), b in zip(parsed, layouts, strict=True)]
    if _set_context(parsed, cuts):
        cuts = [_choose(o, b, w) for (_, o), b in zip(parsed, layouts, strict=True)]
    return [_triple(atoms, i, j) for (atoms, _), (i, j) in zip(parsed, cuts, strict=True)]


def _set_context(parsed: list[tuple[list[str], _Outcome]], cuts: list[tuple[int, int]]) -> bool:
    """Give each outcome the layout of the others (first-pass cuts); False if alone."""
    k = len(parsed)
    if k < 2:
        return False
    n_d = sum(1 for i, j in cuts if i < j)
    n_t = sum(1 for (_, o), (_, j) in zip(parsed, cuts, strict=True) if j < o.n)
    n_m = sum(1 for i, _ in cuts if i > 1)
    for (_, o), (i, j) in zip(parsed, cuts, strict=True):
        d = n_d - (i < j)
        t = n_t - (j < o.n)
        m = n_m - (i > 1)
        o.context = (d / (k - 1), t / (k - 1), m / (k - 1))
    return True


# ---------------------------------------------------------------------------
# Fitting (used offline to produce WEIGHTS; pure, no I/O)
# ---------------------------------------------------------------------------
Triple = tuple[str, str | None, str | None]


def _training_instances(
    fields: Sequence[Sequence[Triple]], weights: dict[str, float] | None
) -> list[tuple[list[list[tuple[str, float]]], int]]:
    """(features of every candidate, index of the true one) for each outcome of each
    field, rebuilding the field text from its true parts; with ``weights``, the
    field-context features come from a first pass with those weights."""
    instances = []
    for truth in fields:
        texts = [", ".join(p for p in t if p) for t in truth]
        parsed = _outcomes(texts)
        if weights is not None:
            _set_context(parsed, [_best_segmentation(o, weights) for _, o in parsed])
        for (atoms, o), t in zip(parsed, truth, strict=True):
            if o.n == 1:
                continue  # nothing to choose
            i = len(_atoms(t[0]))
            j = i + (len(_atoms(t[1])) if t[1] else 0)
            candidates = list(_candidates(o.n))
            if _triple(atoms, i, j) != tuple(t) or (i, j) not in candidates:
                continue  # parts that ", " cannot express exactly
            features = [_segmentation_features(o, a, b) for a, b in candidates]
            instances.append((features, candidates.index((i, j))))
    return instances


def _fit(
    instances: list[tuple[list[list[tuple[str, float]]], int]],
    l2: float,
    epochs: int,
    seed: int,
) -> dict[str, float]:
    """Softmax ranking over candidates, by Adagrad with an L2 penalty."""
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    order = list(range(len(instances)))
    rng = random.Random(seed)
    scale = l2 / max(1, len(instances))
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            features, gold = instances[k]
            scores = [_dot(f, w) for f in features]
            top = max(scores)
            exps = [math.exp(x - top) for x in scores]
            z = sum(exps)
            grad: dict[str, float] = {}
            for f, e in zip(features, exps, strict=True):
                p = e / z
                if p < 1e-9:
                    continue
                for name, v in f:
                    grad[name] = grad.get(name, 0.0) + p * v
            for name, v in features[gold]:
                grad[name] = grad.get(name, 0.0) - v
            for name, g in grad.items():
                g += scale * w.get(name, 0.0)
                g2[name] = g2.get(name, 1e-8) + g * g
                w[name] = w.get(name, 0.0) - 0.1 * g / math.sqrt(g2[name])
    return w


def fit_weights(
    fields: Iterable[Sequence[Triple]],
    l2: float = 1.0,
    epochs: int = 80,
    rounds: int = 2,
    seed: int = 0,
) -> dict[str, float]:
    """Fit weights for :func:`split_outcomes` from true outcome fields.

    ``fields`` holds, per outcome field (one role of one study), its true
    (measure, description, time frame) triples, whitespace-folded, None for a missing
    part; the field text is rebuilt from them as ClinicalTrials.gov writes it. The
    model is a log-linear ranking of every candidate segmentation of an outcome
    (softmax over candidates, Adagrad, L2 penalty ``l2``); it is fitted once without
    and then ``rounds`` times with the field-context features, each time computed
    from a first pass with the previous weights. Deterministic for a given ``seed``.
    Returns the weights rounded to two decimals, zeros dropped.
    """
    fields = [list(f) for f in fields if f]
    weights = _fit(_training_instances(fields, None), l2, epochs, seed)
    for _ in range(rounds):
        weights = _fit(_training_instances(fields, weights), l2, epochs, seed)
    return {k: round(v, 2) for k, v in sorted(weights.items()) if round(v, 2)}


# ---------------------------------------------------------------------------
# Fitted weights (see the module docstring and fit_weights). Prefixes: ``m_``
# measure, ``d_`` description, ``t_`` time frame, ``md_``/``mt_``/``dt_`` the cut
# between two parts, ``s_`` the layout, ``c_`` the layout of the other outcomes.
# ---------------------------------------------------------------------------
WEIGHTS: dict[str, float] = {
    "c_description": 2.0,
    "c_measure_commas": 0.93,
    "c_time": 1.26,
    "d_all_short": 0.28,
    "d_analysis_set": -3.65,
    "d_atoms": -0.17,
    "d_bias": 0.76,
    "d_caps": -0.25,
    "d_density": -1.26,
    "d_ends_period": 1.79,
    "d_first_and": -1.0,
    "d_first_caps": -1.53,
    "d_first_verbs": 0.43,
    "d_inner_period": -2.43,
    "d_last_density": -1.34,
    "d_last_starts_time": -0.3,
    "d_list_tail": -3.28,
    "d_logwords": 0.07,
    "d_names_abbrev": 2.03,
    "d_opener": 1.5,
    "d_overlap": 2.15,
    "d_quotes": -1.06,
    "d_repeats_measure": 1.86,
    "d_shared": -0.18,
    "d_starts_upper": 1.89,
    "d_unclosed": -1.88,
    "d_unopened": -1.5,
    "d_verbs": -0.52,
    "d_vs_m_length": 1.14,
    "d_w<=16": -0.51,
    "d_w<=2": 1.26,
    "d_w<=32": -0.32,
    "d_w<=4": 0.34,
    "d_w<=64": 0.3,
    "d_w<=8": -0.16,
    "d_w>64": 0.31,
    "dt_both_short": -1.21,
    "dt_in_brackets": -2.78,
    "dt_next_analysis_set": -0.01,
    "dt_next_bracket": 2.46,
    "dt_next_conjunction": -3.78,
    "dt_next_continuation": -2.44,
    "dt_next_digit": -0.4,
    "dt_next_lower": -0.56,
    "dt_next_short": -0.06,
    "dt_number_list": -1.74,
    "dt_prev_colon": 1.14,
    "dt_prev_dangling": -0.57,
    "dt_prev_density": -0.5,
    "dt_prev_period": 1.91,
    "dt_same_tail": -1.16,
    "dt_time_list": -1.5,
    "m_abbrev_end": 0.1,
    "m_atoms": -0.38,
    "m_caps": 1.41,
    "m_density": 0.56,
    "m_ends_period": 2.13,
    "m_inner_period": -0.7,
    "m_last_atom_time": -1.18,
    "m_logwords": 0.23,
    "m_quotes": -0.06,
    "m_repeats": -2.66,
    "m_shared": -0.74,
    "m_top_commas": 0.2,
    "m_unclosed": -0.72,
    "m_unopened": -0.37,
    "m_verbs": -0.55,
    "m_w<=16": -0.02,
    "m_w<=2": 0.74,
    "m_w<=32": 0.12,
    "m_w<=4": 0.03,
    "m_w<=64": -0.45,
    "m_w<=8": -0.18,
    "m_w>64": -1.71,
    "md_both_short": -1.33,
    "md_in_brackets": -3.03,
    "md_next_analysis_set": -2.43,
    "md_next_bracket": 2.57,
    "md_next_conjunction": -2.96,
    "md_next_continuation": -0.86,
    "md_next_digit": -0.75,
    "md_next_lower": -1.55,
    "md_next_short": -0.37,
    "md_number_list": -1.08,
    "md_prev_colon": 1.83,
    "md_prev_dangling": 0.08,
    "md_prev_density": -0.05,
    "md_prev_period": 1.09,
    "md_same_tail": -0.04,
    "md_time_list": -2.73,
    "mt_both_short": -1.02,
    "mt_in_brackets": -1.8,
    "mt_next_analysis_set": -0.79,
    "mt_next_bracket": -1.08,
    "mt_next_conjunction": -3.49,
    "mt_next_continuation": -1.87,
    "mt_next_digit": -1.04,
    "mt_next_lower": -1.2,
    "mt_next_short": -0.1,
    "mt_number_list": -0.23,
    "mt_prev_colon": -0.81,
    "mt_prev_dangling": 0.01,
    "mt_prev_density": -0.71,
    "mt_prev_period": 1.46,
    "mt_same_tail": -0.67,
    "mt_time_list": -2.02,
    "s_no_time_with_description": -2.6,
    "t_atoms": -0.11,
    "t_bias": 0.42,
    "t_caps": -1.09,
    "t_dens<.34": -0.75,
    "t_dens<.67": 0.35,
    "t_dens=0": -0.83,
    "t_dens>=.67": 0.61,
    "t_density": 1.1,
    "t_echo": 0.2,
    "t_echo_extends": -2.25,
    "t_ends_period": -0.59,
    "t_first_density": 1.51,
    "t_first_starts_time": 1.4,
    "t_inner_period": -2.78,
    "t_list_tail": -2.47,
    "t_logwords": -0.43,
    "t_rest_density": 0.09,
    "t_shared": 1.99,
    "t_starts_upper": 2.52,
    "t_unclosed": -0.22,
    "t_unopened": -0.96,
    "t_verbs": 0.24,
    "t_w<=16": -0.57,
    "t_w<=2": 1.45,
    "t_w<=32": -0.22,
    "t_w<=4": 0.37,
    "t_w<=64": -0.01,
    "t_w<=8": -0.27,
    "t_w>64": -1.48,
}
