"""Split eligibility criteria into items and read what each item states.

:func:`split_criteria` takes the eligibility text of any source format and returns one
:class:`Criterion` per item, numbered within its kind; :func:`criterion_attributes`
reads one item. Both are pure functions that never raise.

Formats handled (all seen in ``../shared/corpus``):

* API v2 JSON ``eligibilityCriteria``: markdown, ``Inclusion Criteria:`` then ``* item``
  lines, nested items indented (``  * sub`` or ``  1. sub``), markdown escapes
  (``\\>=``) removed.
* Legacy XML textblocks and the HINT CSV ``criteria`` column: indented, hard-wrapped at
  about 100 columns, ``-  item`` or ``1. item`` separated by blank lines, wrapped lines
  indented under the item text; old NCI PDQ records use ``DISEASE CHARACTERISTICS:``,
  ``PATIENT CHARACTERISTICS:`` and short sub-headings (``Age``, ``Hepatic``).
* The classic API: one item per line, usually without bullets; Chinese records number
  items inline (``1、... 2、...``).
* Reflowed text, as some records are stored: a heading in the middle of a line ("... in
  the study Exclusion Criteria: - ..."), items run together after ``Criteria: - a - b``,
  PDQ headings run together on one line. They are put back on lines of their own first.

Rules, stated once:

* Headings (``Inclusion Criteria:``, ``Key exclusion criteria``, ``Non-inclusion
  criteria:``, ``Exclusion:``, ``- Inclusion criteria:``, "Conditions for Patient
  Ineligibility" ...) switch the kind and are not criteria. Text with no heading is all
  inclusion until a heading or a lead-in line ("Patients with any of the following will
  be excluded:") says exclusion; after a heading, a lead-in changes the kind only when it
  names inclusion or exclusion ("To be eligible for inclusion ... must not meet any of
  the following criteria:" under an exclusion heading stays exclusion).
* A line that introduces what follows (a line ending in ``:`` before more text;
  ``PATIENT CHARACTERISTICS:``, ``Age``, ``Group 1: Metabolic syndrome`` before bullets;
  a short label such as "MSM Participants" before its own Inclusion heading) is not a
  criterion: it becomes the ``section`` of the criteria under it. A heading with more
  words than the bare heading ("Exclusion criteria related to medications:") is kept the
  same way.
* Nested items are attached to their top-level item: one criterion per top-level item,
  its sub-items joined with ``"; "`` (``"Adequate organ function: ANC >= 1.5; platelets
  >= 100"``), because a sub-item usually only qualifies its parent (a definition, a list
  of lab limits, the alternatives of an "any of the following"). The one exception is a
  top-level item that only introduces the criteria ("Patient must meet all of the
  following inclusion criteria to be enrolled:"): its sub-items are promoted to criteria
  and the lead-in becomes their section. A lettered list under a numbered item ending in
  ":" counts as nested even at the same indentation.
* ``text`` is the item whitespace-folded, bullet marker and markdown escapes removed,
  otherwise verbatim.
* No text is lost: every word of the input other than heading words and bullet markers
  is in some criterion's ``text`` or ``section``, in order (a section line with nothing
  under it becomes a criterion of its own). Tested on every eligibility text of the
  shared corpus.

Attributes (:func:`criterion_attributes`) hold only what the item states, read as the
eligibility consequence: an exclusion "Younger than 18 years" gives ``min_age`` 18, an
exclusion "ECOG >= 2" gives ``ecog_max`` 1. Keys (absent when not stated):

* ``min_age``/``max_age``: years (months / 12, weeks / 52.1786, days / 365.25, hours /
  8766); strictness is ignored (">18 years" and ">=18 years" both give 18).
* ``sex``: ``"female"``, ``"male"`` or ``"all"``.
* ``ecog_max``: the highest eligible ECOG (WHO / Zubrod is the same scale); strict bounds
  move by one ("< 2" gives 1). ``karnofsky_min``: the lowest eligible Karnofsky score
  (steps of 10: "> 80%" gives 90).
* ``measurable_disease``: True when measurable disease is required (not for "measurable
  or evaluable" nor as one of "one or more of the following"), False when it must be
  absent; ``measurable_by``: the criteria named
  (notations of :func:`kg.text.criteria.find_criteria`).
* ``prior_lines_min``/``prior_lines_max``: prior lines of systemic therapy ("at least
  one prior line", "no more than 2 prior regimens", "failed first-line" gives min 1,
  "treatment-naive" or "previously untreated" gives max 0; naive to one drug class does
  not count).
* ``biomarkers``: ``[{"marker", "status", "threshold"?, "variant"?, "required"}]``;
  ``status`` is as written (positive, negative, mutation, wild-type, rearrangement,
  amplification, high, low), ``required`` is False when the patient must not have it
  (an exclusion, or a negated inclusion).
* ``organ_function``: sorted subset of ``hematologic``, ``hepatic``, ``renal`` (named,
  or implied by a lab limit such as "ANC >= 1500/mcL" or "bilirubin <= 1.5 x ULN"), or
  ``["general"]`` for "adequate organ function" naming no organ.
* ``brain_metastases``: ``"excluded"``, ``"allowed-if-stable"`` (only active, untreated
  or symptomatic ones are excluded), ``"allowed"`` or ``"required"``.
* ``pregnancy``: ``"excluded"`` (or ``"required"`` for "Pregnant women ..." inclusion);
  ``contraception``: True when contraception is required.
* ``life_expectancy_min_days``: days (month = 30.4375 days, as in
  :mod:`kg.text.timeframe`).

Attributes are read from the first :data:`MAX_ATTRIBUTE_CHARS` characters of a criterion,
and remembered for repeated criteria, so that splitting stays linear in the text.

>>> cs = split_criteria("Inclusion Criteria:\\n\\n* Age >= 18 years\\n* ECOG 0-1\\n\\n"
...                     "Exclusion Criteria:\\n\\n* Known brain metastases")
>>> [(c.kind, c.position, c.text) for c in cs]
[('inclusion', 1, 'Age >= 18 years'), ('inclusion', 2, 'ECOG 0-1'), ('exclusion', 1, 'Known brain metastases')]
>>> [c.attributes for c in cs]
[{'min_age': 18.0}, {'ecog_max': 1}, {'brain_metastases': 'excluded'}]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from kg.text.timeframe import DAYS

__all__ = ["Criterion", "criterion_attributes", "split_criteria"]

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
# Attributes are read from the first this many characters of a criterion: real criteria are
# shorter (the longest of 84k in the shared corpus has 7,232), and a longer "criterion" is
# unsplit text, where reading on would only cost time.
MAX_ATTRIBUTE_CHARS = 5000


@dataclass
class Criterion:
    """One eligibility item.

    ``kind``: ``"inclusion"`` or ``"exclusion"``; ``text``: the item (with its sub-items);
    ``position``: 1-based within its kind; ``attributes``: what it states (module
    docstring); ``section``: the sub-heading or lead-in line it sits under, if any.
    """

    kind: str
    text: str
    position: int
    attributes: dict[str, Any] = field(default_factory=dict)
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form."""
        return asdict(self)


# ------------------------------------------------------------------ splitting

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>&~|^=$%])")
_WS = re.compile(r"\s+")

# A bullet or number that starts an item, and its "family" (so that a lettered list under
# a numbered item at the same indentation still reads as nested).
_MARKER = re.compile(
    r"(?P<m>"
    r"(?P<sym>[-•·▪●○◦■□➢►‣⁃–—])(?:\s+|(?=[^\W\d_]))"
    r"|(?P<sym2>[*+])\s+"
    r"|(?P<num>\d{1,3}(?:\.\d{1,2}){0,2})(?:[.)](?:\s+|(?=[^\W\d_]))|、\s*)"
    r"|\((?P<pnum>\d{1,3})\)\s*"
    r"|(?P<rom>(?:i{1,3}|iv|vi{0,3}|ix|x))[.)]\s+"
    r"|(?P<alpha>[a-zA-Z])[.)]\s+"
    r"|\((?P<palpha>[a-zA-Z]|i{1,3}|iv|vi{0,3}|ix|x)\)\s*"
    r")"
)

_HEAD_PREFIX = (
    r"(?:(?:key|main|major|primary|principal|other|additional|general|specific|subject|"
    r"patient|participant|partner|study|selection|eligibility)\s+)*"
)
# A bare heading line: nothing but the heading words.
_BARE_HEADING = re.compile(
    r"^\**\s*(?:\d{1,2}[.)]\s*|[ivx]{1,4}[.)]\s*|[A-Z][.)]\s+)?"
    + _HEAD_PREFIX
    + r"(?P<word>non[- ]?inclusion|inclusion|exclusion|exclusionary|exclusions|inclusions)"
    r"(?:\s+criteri(?:a|on|um|as))?(?:\s+(?:include|includes|are|is|were))?"
    r"\s*(?:[:.\uff1a]\s*)?\**\s*$|"
    r"^\**\s*criteri(?:a|on)\s+(?:for|of)\s+(?P<word2>inclusion|exclusion|non[- ]?inclusion)"
    r"\s*(?:[:.\uff1a]\s*)?\**\s*$",
    re.I,
)
# A heading followed by text on the same line ("Inclusion Criteria: Men aged 18 ...").
_INLINE_HEADING = re.compile(
    r"^\**\s*"
    + _HEAD_PREFIX
    + r"(?P<word>non[- ]?inclusion|inclusion|exclusion)(?:\s+criteri(?:a|on|um))?\s*"
    r"[:\uff1a]\**\s*(?P<rest>\S.*)$",
    re.I,
)
# A heading with a short qualifier ("Inclusion Criteria for Part A:", "Exclusion Criteria
# Stage 2"), or any short line ending in ":" that names one kind.
_QUALIFIED_HEADING = re.compile(
    r"^\**\s*"
    + _HEAD_PREFIX
    + r"(?P<word>non[- ]?inclusion|inclusion|exclusion|exclusionary)\s+criteri(?:a|on|um)\s+"
    r"(?:for|of|in|stage|part|cohort|group|arm|phase|related|specific|\(|-|\u2013|\d)",
    re.I,
)
_ELIGIBILITY_HEADING = re.compile(
    r"^(?:conditions?|criteria|requirements?)\s+for\s+(?:patient\s+|subject\s+|participant\s+)?"
    r"(in)?eligibility\s*:?$",
    re.I,
)
_LEADIN = re.compile(
    r"\b(?:inclusion|exclusion|eligib\w*|enrol\w*|exclude[ds]?|included|participate|entry)\b",
    re.I,
)
_LEADIN_NOT = re.compile(r"\b(?:one|1|any one|either|two|2)\s+of\s+the\s+following\b", re.I)


def _unescape(line: str) -> str:
    return _MD_ESCAPE.sub(r"\1", line) if "\\" in line else line


def _fold(text: str) -> str:
    return " ".join(text.split())


def _heading_kind(word: str) -> str | None:
    w = word.lower()
    if "non" in w and "inclusion" in w:
        return EXCLUSION
    if w.startswith("exclu"):
        return EXCLUSION
    if w.startswith("inclu"):
        return INCLUSION
    return None


_EXCLUDING = re.compile(
    r"\bnot\s+(?:meet|fulfil+|satisfy|have)\b|\bexclu\w*|\bineligib\w*|\bmust\s+not\b|"
    r"\bnot\s+(?:be\s+)?(?:eligible|enrolled|included|allowed|permitted)\b|\bnon[- ]?inclusion\b",
    re.I,
)
_NAMES_KIND = re.compile(r"inclu|exclu", re.I)
_INCLUDING = re.compile(r"\binclusion\b|\beligib\w*|\binclude[ds]?\b", re.I)


def _leadin_kind(text: str) -> str | None:
    """The kind a lead-in line announces ("... will be excluded:"), if it names one."""
    if re.search(
        r"inclusion\s*(?:/|and|or|&)\s*exclusion|exclusion\s*(?:/|and|or|&)\s*inclusion", text, re.I
    ):
        return None
    if _EXCLUDING.search(text):
        return EXCLUSION
    if _INCLUDING.search(text):
        return INCLUSION
    return None


@dataclass
class _Line:
    kind: str  # "blank" | "heading" | "bullet" | "para"
    indent: int
    text: str
    family: str = ""
    heading_kind: str | None = None
    section: str | None = None  # for a heading that carries more than the bare words


def _marker(stripped: str) -> tuple[str, str] | None:
    """(family, text after the marker) when the line starts with a bullet or number."""
    if len(stripped) == 1 and stripped in "-*•·▪●○◦■□➢►‣⁃–—+":
        return ("empty", "")
    m = _MARKER.match(stripped)
    if not m:
        return None
    rest = stripped[m.end() :]
    if not rest.strip():
        return ("empty", "")
    if m.group("sym"):
        sym = m.group("sym")
        return ("sym" + ("-" if sym in "-–—" else sym), rest)
    if m.group("sym2"):
        return ("sym" + m.group("sym2"), rest)
    if m.group("num"):
        num = m.group("num")
        if "、" in m.group(0):
            return ("num", rest)
        if "." in num:
            return ("sec", rest)
        return ("num", rest)
    if m.group("pnum"):
        return ("pnum", rest)
    if m.group("rom"):
        return ("rom", rest)
    if m.group("alpha"):
        # "A. Inclusion" or "a) item"; but not a word such as "I." alone
        return ("alpha", rest)
    if m.group("palpha"):
        return ("palpha", rest)
    return None


_INLINE_NUM = re.compile(r"(?:^|(?<=\s)|(?<=[;；。]))(\d{1,2})、")


_HEAD_PREFIX_WORDS = frozenset(
    "key main major primary principal other additional general specific subject patient "
    "participant partner study selection eligibility".split()
)
_MIDLINE_HEADING = re.compile(
    r"(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)[ \t]*(?:\n[ \t]*)?(?:Criteria|CRITERIA)[ \t]*"
    r"(?::|\n[ \t]*\n|\n?[ \t]*$)|(?:Inclusion|Exclusion)[ \t]+criteria[ \t]*:"
)
_HEADING_STARTS = ("Inclusion", "Exclusion", "INCLUSION", "EXCLUSION")


def _midline_headings(text: str) -> str:
    """Start every Inclusion/Exclusion heading written mid-line on a line of its own
    (candidates found with ``str.find``: a regex tried at every position is too slow)."""
    cuts: list[int] = []
    for word in _HEADING_STARTS:
        at = text.find(word)
        while at != -1:
            cuts.append(at)
            at = text.find(word, at + 1)
    pieces: list[str] = []
    last = 0
    for at in sorted(cuts):
        m = _MIDLINE_HEADING.match(text, at)
        if m is None:
            continue
        head = text[max(0, at - 120) : at]
        before = head.rstrip(" \t")
        spaces = len(head) - len(before)
        if spaces == 0 or not before or before.endswith("\n"):
            continue  # glued to a word, or already at the start of a line
        if not re.search(r"[\w.;,)\]-]$", before):
            continue
        if m.group(0).rstrip(" \t:\n").endswith("criteria") and not re.search(r"[.;-]$", before):
            continue  # lower-case "criteria" only right after a sentence ends
        line = before[before.rfind("\n") + 1 :]
        words = re.sub(r"^[\s\-*•\d.)]*", "", line).split()
        if words and all(w.lower().strip("()") in _HEAD_PREFIX_WORDS for w in words):
            continue  # "Key Inclusion Criteria:" is one heading
        pieces.append(text[last : at - spaces])
        pieces.append("\n\n")
        last = at
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


_PDQ_INLINE = re.compile(r"CHARACTERISTICS:[ \t]*\S")
_PDQ_HEADS = re.compile(
    r"[ \t]+(?=(?:DISEASE CHARACTERISTICS|PATIENT CHARACTERISTICS|PRIOR CONCURRENT THERAPY|"
    r"Age|Sex|Menopausal status|Performance status|Life expectancy|Hematopoietic|Hepatic|Renal|"
    r"Cardiovascular|Pulmonary|Neurologic|Gastrointestinal|Other|Biologic therapy|"
    r"Chemotherapy|Endocrine therapy|Radiotherapy|Surgery)\s*:)"
)


def _prepare(text: str) -> str:
    """Undo reflowing: put headings written mid-line, and items run together after
    "Criteria: - ...", back on lines of their own."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "riteria" in text or "RITERIA" in text:
        text = _midline_headings(text)
        text = re.sub(
            r"(?m)^([ \t]*(?:Inclusion|Exclusion|INCLUSION|EXCLUSION))[ \t]*\n[ \t]*"
            r"(Criteria|CRITERIA)[ \t]*$",
            r"\1 \2",
            text,
        )
        if re.search(r"Criteria[ \t]*:[ \t]*-", text, re.I):
            glued = re.search(r"Criteria[ \t]*:-\S|Criteria[ \t]*:-[ \t]", text, re.I)
            text = re.sub(r"(Criteria[ \t]*:)[ \t]*-", r"\1\n- ", text, flags=re.I)
            text = re.sub(r"[ \t]+-[ \t]+(?=[A-Z(\"'])", "\n- ", text)
            if glued:
                text = re.sub(r"(?<=[a-z)\].])-[ \t]*(?=[A-Z][a-z])", "\n- ", text)
    if _PDQ_INLINE.search(text):
        text = _PDQ_HEADS.sub("\n", text)
        text = re.sub(r"(CHARACTERISTICS:|CONCURRENT THERAPY:)[ \t]*(?=\S)", "\\1\n", text)
    return text


def _lines(text: str) -> list[_Line]:
    """Classify physical lines; split Chinese inline numbering ("1、a 2、b") into lines."""
    out: list[_Line] = []
    text = _prepare(text)
    for raw in text.split("\n"):
        raw = raw.replace("\t", "    ").replace("\u3000", " ").replace("\u00a0", " ")
        raw = _unescape(raw)
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if not stripped:
            out.append(_Line("blank", indent, ""))
            continue
        pieces = [stripped]
        if "、" in stripped and len(_INLINE_NUM.findall(stripped)) >= 2:
            cuts = [m.start() for m in _INLINE_NUM.finditer(stripped)]
            if cuts and cuts[0] != 0:
                cuts = [0, *cuts]
            pieces = [
                stripped[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(stripped)], strict=True)
            ]
            pieces = [p for p in pieces if p]
        for piece in pieces:
            out.extend(_classify(piece, indent))
    return out


def _classify(stripped: str, indent: int) -> list[_Line]:
    body = stripped
    mk = _marker(stripped)
    if mk and mk[0] != "empty":
        body = mk[1].strip()
    low = stripped.lower()
    if "clu" not in low:
        if mk:
            return [] if mk[0] == "empty" else [_Line("bullet", indent, body, family=mk[0])]
        return [_Line("para", indent, stripped)]
    bare = _BARE_HEADING.match(body) or _BARE_HEADING.match(stripped)
    if bare:
        word = bare.group("word") or bare.group("word2")
        return [_Line("heading", indent, "", heading_kind=_heading_kind(word))]
    elig = _ELIGIBILITY_HEADING.match(body)
    if elig:
        kind = EXCLUSION if elig.group(1) else INCLUSION
        return [_Line("heading", indent, "", heading_kind=kind, section=_fold(body))]
    inline = _INLINE_HEADING.match(stripped)
    if inline:
        kind = _heading_kind(inline.group("word"))
        rest = inline.group("rest")
        head = _Line("heading", indent, "", heading_kind=kind)
        return [head, *_classify(rest, indent)]
    if _QUALIFIED_HEADING.match(body) and len(body) <= 120 and not body.endswith("."):
        m = _QUALIFIED_HEADING.match(body)
        assert m is not None
        return [
            _Line(
                "heading",
                indent,
                "",
                heading_kind=_heading_kind(m.group("word")),
                section=_fold(body),
            )
        ]
    if mk:
        if mk[0] == "empty":
            return []  # a lone bullet: no words to keep
        return [_Line("bullet", indent, mk[1].strip(), family=mk[0])]
    return [_Line("para", indent, stripped)]


@dataclass(eq=False)
class _Section:
    """A sub-heading or lead-in line; kept as a criterion if no item ends up under it."""

    text: str
    kind: str
    used: bool = False


@dataclass(eq=False)
class _Item:
    indent: int
    family: str
    parts: list[str]
    kind: str
    section: _Section | None
    bullet: bool
    children: list[_Item] = field(default_factory=list)
    parent: _Item | None = None
    marker: _Section | None = None  # set on the placeholder that stands for a section line

    @property
    def text(self) -> str:
        return _fold(" ".join(self.parts))


def _join(item: _Item) -> str:
    pieces = [item.text]
    for child in item.children:
        sub = _join(child)
        if not sub:
            continue
        prev = pieces[-1]
        if not prev:
            pieces[-1] = sub
        elif prev.endswith((":", ";", ",", "；", "：", "，", "-")):
            pieces.append(" " + sub)
        else:
            pieces.append("; " + sub)
    return "".join(pieces)


def _structure(lines: list[_Line]) -> list[_Item]:
    """Top-level items (each with nested children) in order, with a placeholder for every
    section line (so that a section no item follows is still kept)."""
    tops: list[_Item] = []
    stack: list[_Item] = []  # open bullets, outermost first
    kind = INCLUSION
    section: _Section | None = None
    group: _Section | None = None  # "MSM Participants" before its own headings
    current: _Item | None = None  # the element continuation lines attach to
    blank_before = True
    seen_heading = False

    def new_section(text: str, sec_kind: str) -> _Section:
        sec = _Section(_fold(text), sec_kind)
        tops.append(_Item(0, "section", [], sec_kind, None, False, marker=sec))
        return sec

    skip_to = -1
    for i, ln in enumerate(lines):
        if i < skip_to:
            continue
        if ln.kind == "blank":
            blank_before = True
            continue
        if ln.kind == "heading":
            seen_heading = True
            if ln.heading_kind:
                kind = ln.heading_kind
            section = new_section(ln.section, kind) if ln.section else group
            stack, current, blank_before = [], None, True
            continue
        if ln.kind == "para":
            # a continuation of the open element?
            if current is not None:
                if (
                    not blank_before
                    and ln.indent > 0
                    and (
                        (current.bullet and ln.indent > current.indent)
                        or (not current.bullet and ln.indent >= current.indent)
                    )
                ):
                    current.parts.append(ln.text)
                    blank_before = False
                    continue
                if blank_before and current.bullet and ln.indent > current.indent + 1:
                    current.parts.append(ln.text)
                    blank_before = False
                    continue
            # a new paragraph (its wrapped lines joined): a section line when it introduces
            # what follows
            j = i + 1
            while (
                j < len(lines)
                and lines[j].kind == "para"
                and ln.indent > 0
                and lines[j].indent >= ln.indent
            ):
                j += 1
            if j > i + 1:
                ln = _Line("para", ln.indent, " ".join(x.text for x in lines[i:j]))
                skip_to = j
            nxt = _next_content(lines, j - 1)
            if (
                nxt is not None
                and nxt.kind == "heading"
                and nxt.heading_kind == INCLUSION
                and (not seen_heading or kind == EXCLUSION)
                and len(ln.text) <= 60
                and not ln.text.endswith((".", ";", "；", "。"))
            ):
                group = new_section(ln.text, kind)
                stack, current, blank_before = [], None, False
                continue
            if nxt is not None and _is_section(ln, nxt):
                switched = _leadin_kind(ln.text)
                # after a heading only a line naming inclusion or exclusion changes the kind
                if switched and (not seen_heading or _NAMES_KIND.search(ln.text)):
                    kind = switched
                section = new_section(ln.text, kind)
                stack, current, blank_before = [], None, False
                continue
            item = _Item(ln.indent, "para", [ln.text], kind, section, False)
            tops.append(item)
            stack, current, blank_before = [], item, False
            continue
        # a bullet
        while stack:
            top = stack[-1]
            if top.indent < ln.indent - 1:
                break
            if (
                abs(top.indent - ln.indent) <= 1
                and top.family != ln.family
                and ln.family in ("alpha", "rom", "palpha", "pnum", "sec")
                and (top.text.endswith((":", "：")) or top.children)
                and (not top.children or top.children[-1].family == ln.family)
            ):
                break  # a lettered list under a numbered item at the same indentation
            stack.pop()
        item = _Item(ln.indent, ln.family, [ln.text], kind, section, True)
        if stack:
            item.parent = stack[-1]
            stack[-1].children.append(item)
        else:
            tops.append(item)
        stack.append(item)
        current = item
        blank_before = False
    return tops


def _next_content(lines: list[_Line], i: int) -> _Line | None:
    for j in range(i + 1, len(lines)):
        if lines[j].kind != "blank":
            return lines[j]
    return None


def _is_section(ln: _Line, nxt: _Line) -> bool:
    text = ln.text
    if nxt.kind == "heading":
        return False
    if text.endswith((":", "：")) and len(text) <= 200:
        return True
    if nxt.kind == "bullet" and len(text) <= 60 and not text.endswith((".", ";", "；", "。")):
        # "Age", "Hepatic", "Group 1: Metabolic syndrome", "PATIENT CHARACTERISTICS"
        return nxt.indent >= ln.indent
    return False


def _is_leadin(item: _Item) -> bool:
    text = item.text
    return (
        bool(item.children)
        and text.endswith((":", "："))
        and bool(_LEADIN.search(text))
        and not _LEADIN_NOT.search(text)
        and not re.search(r"\b(?:function|laborator\w*|values?|defined|organ|marrow)\b", text, re.I)
    )


def _flatten(tops: list[_Item]) -> list[tuple[str, str, str | None]]:
    """(kind, text, section) per criterion, lead-in items promoted, in document order; a
    section line that no item ended up under is kept as a criterion of its own."""
    out: list[tuple[str, str, str | None] | _Section] = []

    def emit(item: _Item, section: str | None, kind: str) -> None:
        if item.bullet and _is_leadin(item):
            lead = item.text
            switched = (_leadin_kind(lead) if _NAMES_KIND.search(lead) else None) or kind
            for child in item.children:
                emit(child, f"{section} {lead}" if section else lead, switched)
            return
        text = _join(item)
        if text:
            out.append((kind, text, section))

    for top in tops:
        if top.marker is not None:
            out.append(top.marker)  # resolved below, once we know whether anything used it
            continue
        if top.section is not None:
            top.section.used = True
        emit(top, top.section.text if top.section else None, top.kind)
    return [
        x if not isinstance(x, _Section) else (x.kind, x.text, None)
        for x in out
        if not isinstance(x, _Section) or (not x.used and x.text)
    ]


def split_criteria(text: str | None) -> list[Criterion]:
    """Split an eligibility text into criteria (see the module docstring for the rules).

    Never raises; None or blank text gives ``[]``.

    >>> xml = '''
    ...         Inclusion Criteria:
    ...
    ...           -  Eastern Cooperative Oncology Group (ECOG) Performance Status of 0 - 2
    ...
    ...           -  Adequate bone marrow, liver, and renal function
    ...
    ...         Exclusion Criteria:
    ...
    ...           -  Sensory neuropathy with sensory alterations or paresthesia (including
    ...              tingling), interfering with function
    ... '''
    >>> [(c.kind, c.position, c.attributes) for c in split_criteria(xml)][:2]
    [('inclusion', 1, {'ecog_max': 2}), ('inclusion', 2, {'organ_function': ['hematologic', 'hepatic', 'renal']})]
    >>> split_criteria(xml)[2].text
    'Sensory neuropathy with sensory alterations or paresthesia (including tingling), interfering with function'
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        flat = _flatten(_structure(_lines(text)))
    except Exception:  # pragma: no cover - a defect must not stop a batch
        folded = _fold(text)
        flat = [(INCLUSION, folded, None)] if folded else []
    out: list[Criterion] = []
    counts = {INCLUSION: 0, EXCLUSION: 0}
    for kind, body, section in flat:
        counts[kind] += 1
        out.append(
            Criterion(kind, body, counts[kind], criterion_attributes(body, kind, section), section)
        )
    return out


# ------------------------------------------------------------------ attributes

_TRANS = str.maketrans(
    {
        "\u2265": ">=", "\u2264": "<=", "\u2267": ">=", "\u2266": "<=", "\u2a7e": ">=",
        "\u2a7d": "<=", "\uff1e": ">", "\uff1c": "<", "\uff1d": "=", "\u2010": "-",
        "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\uff5e": "-", "~": "-", "\uff1a": ":", "\uff0c": ",", "\uff1b": ";", "\uff08": "(",
        "\uff09": ")", "\u00a0": " ", "\u3000": " ", "\u00ef": "i", "\u00e9": "e",
        "\u2019": "'", "\u00d7": "x",
    }
)  # fmt: skip

_COMPARATORS = [  # (key word that must be present, pattern, replacement), in priority order
    ("than", r"\bgreater\s+than\s+or\s+equal\s+(?:to\s+)?", ">= "),
    ("than", r"\bmore\s+than\s+or\s+equal\s+(?:to\s+)?", ">= "),
    ("than", r"\bhigher\s+than\s+or\s+equal\s+(?:to\s+)?", ">= "),
    ("than", r"\bequal\s+(?:to\s+)?or\s+(?:greater|more|higher)\s+than\s+", ">= "),
    ("equal", r"\babove\s+or\s+equal\s+(?:to\s+)?", ">= "),
    ("than", r"\bless\s+than\s+or\s+equal\s+(?:to\s+)?", "<= "),
    ("equal", r"\bbelow\s+or\s+equal\s+(?:to\s+)?", "<= "),
    ("than", r"\bequal\s+(?:to\s+)?or\s+(?:less|lower|fewer)\s+than\s+", "<= "),
    ("than", r"\b(?:no|not)\s+(?:more|greater|higher)\s+than\s+", "<= "),
    ("than", r"\b(?:no|not)\s+(?:less|fewer|lower)\s+than\s+", ">= "),
    ("most", r"\bat\s+most\s+", "<= "),
    ("maximum", r"\b(?:a\s+)?maximum\s+of\s+", "<= "),
    ("exceed", r"\bnot\s+exceeding\s+", "<= "),
    ("up to", r"\bup\s+to\s+", "<= "),
    ("least", r"\bat\s+least\s+", ">= "),
    ("minimum", r"\b(?:a\s+)?minimum\s+(?:of\s+)?", ">= "),
    ("than", r"\b(?:greater|more|higher)\s+than\s+", "> "),
    ("than", r"\b(?:less|fewer|lower)\s+than\s+", "< "),
    (">", r">\s*/\s*=|=\s*>|=>", ">="),
    ("<", r"<\s*/\s*=|=\s*<|=<", "<="),
]
# each rewrite runs only when its key word is in the text (a scan per pattern is costly)
_COMPARATOR_RES = [(re.compile(p), r, key) for key, p, r in _COMPARATORS]
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "single": "1",
}  # fmt: skip
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
_NUMBER_WORD_SET = frozenset(_NUMBER_WORDS)
_TOKEN = re.compile(r"[a-z0-9]+")


def _normalise(text: str) -> str:
    """Lower-case, ASCII comparators, number words as digits: the form matched below."""
    return _normalise_tokens(text)[0]


def _normalise_tokens(text: str) -> tuple[str, set[str]]:
    """:func:`_normalise` and the set of its word tokens (before number words became digits)."""
    t = _unescape(text)
    t = t.replace("~", "-") if t.isascii() else t.translate(_TRANS)
    s = " ".join(t.lower().split())
    for rx, rep, key in _COMPARATOR_RES:
        if key in s:
            s = rx.sub(rep, s)
    tokens = set(_TOKEN.findall(s))
    if not _NUMBER_WORD_SET.isdisjoint(tokens):
        s = _NUMBER_WORD_RE.sub(lambda m: _NUMBER_WORDS[m.group(1)], s)
    return s, tokens


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _clean(v: float) -> float | int:
    r = round(v, 4)
    return int(r) if float(r).is_integer() and abs(r) < 1e15 else r


# ---- age

_AGE_UNITS = {
    "y": 1.0, "yr": 1.0, "yrs": 1.0, "year": 1.0, "years": 1.0,
    "m": 1 / 12, "mo": 1 / 12, "mos": 1 / 12, "month": 1 / 12, "months": 1 / 12,
    "w": 7 / 365.25, "wk": 7 / 365.25, "wks": 7 / 365.25, "week": 7 / 365.25,
    "weeks": 7 / 365.25, "d": 1 / 365.25, "day": 1 / 365.25, "days": 1 / 365.25,
    "h": 1 / 8766, "hr": 1 / 8766, "hrs": 1 / 8766, "hour": 1 / 8766, "hours": 1 / 8766,
}  # fmt: skip
_AU = r"(years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)"
_N = r"(\d{1,3}(?:\.\d+)?)"
_AGE_WORD = re.compile(
    r"(?<!childbearing )(?<!child-bearing )(?<!child bearing )(?<!reproductive )"
    r"(?<!gestational )(?<!bone )(?<!mean )(?<!median )\b(?:age[ds]?|ages)\b(?!-related)"
)
_AGE_AFTER = re.compile(
    r"^\s*(?:-?\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?))?\s*"
    r"(?:of\s+age|old|-old|of\s+life|(?:,\s*)?(?:or|and)\s+(?:older|younger|elder))\b"
)
# "(>=) 10 years and (<=) 17 years": a two-sided bound in years is an age
_AGE_BOUNDS = re.compile(
    r"(?:>=|>)\s*(\d{1,3}(?:\.\d+)?)\s*(years?|months?)\s*(?:and|,|to)\s*(?:<=|<)\s*"
    r"(\d{1,3}(?:\.\d+)?)\s*(years?|months?)\b"
)
_AGE_RANGE = re.compile(
    rf"(?:(?<![\d.])|^){_N}\s*-?\s*{_AU}?\s*(?:-|to|and|through|until)\s*{_N}\s*-?\s*{_AU}?"
)
_AGE_MIN = [
    re.compile(rf"(?:>=|>|\bolder\s+than|\bover|\babove|\bexceeding)\s*{_N}\s*-?\s*{_AU}?"),
    re.compile(
        rf"{_N}\s*-?\s*{_AU}?\s*(?:of\s+age\s*|old\s*|-old\s*)?(?:,\s*)?(?:or|and)\s+"
        rf"(?:older|over|above|elder|greater|more|up)\b"
    ),
    re.compile(rf"{_N}\s*-?\s*{_AU}?\s*\+"),
]
_AGE_MAX = [
    re.compile(rf"(?:<=|<|\byounger\s+than|\bunder|\bbelow)\s*{_N}\s*-?\s*{_AU}?"),
    re.compile(
        rf"{_N}\s*-?\s*{_AU}?\s*(?:of\s+age\s*|old\s*|-old\s*)?(?:,\s*)?(?:or|and)\s+"
        rf"(?:younger|under|below|less|lower)\b"
    ),
]
_AGE_ONLY = re.compile(
    r"^\W*(?:age\s*:?\s*)?(?:>=|>|<=|<|over|under|above|below)?\s*\d{1,3}\s*(?:years?)?"
    r"\s*(?:(?:and|or)\s*(?:over|older|above|under|younger|below))?"
    r"(?:\s*(?:-|to)\s*\d{1,3}\s*(?:years?)?)?\W*$"
)


def _anchored(s: str, start: int, num_end: int) -> bool:
    """Is the number at ``s[start:num_end]`` an age (an age word just before, "of age",
    "old" or "or older" just after)?"""
    before = s[max(0, start - 45) : start]
    before = re.split(r"[.;]\s", before)[-1]
    if _AGE_WORD.search(before):
        return True
    return bool(_AGE_AFTER.match(s[num_end : num_end + 30]))


def _years(value: str, unit: str | None) -> float:
    return _num(value) * _AGE_UNITS.get(unit or "years", 1.0)


def _age(s: str, kind: str, section: str | None) -> dict[str, Any]:
    sec = (section or "").lower()
    whole = bool(re.match(r"^\W*age\b", sec)) or bool(_AGE_ONLY.match(s))
    if not whole and not (
        _AGE_WORD.search(s)
        or re.search(r"\bold\b|\bof age\b|\bolder\b|\byounger\b|\belder\b", s)
        or _AGE_BOUNDS.search(s)
    ):
        return {}
    lo: float | None = None
    hi: float | None = None
    ranged = False
    for m in _AGE_RANGE.finditer(s):
        if not whole:
            if not _anchored(s, m.start(), m.end(3)):
                continue
            if (
                m.group(2) is None
                and m.group(4) is None
                and not re.search(
                    r"\b(?:age[ds]?|ages)\s*(?:of|:|between|from|is|=|range)?\s*$",
                    s[max(0, m.start() - 20) : m.start()],
                )
            ):
                continue  # bare numbers count only right after an age word ("aged 18-75")
        unit_hi = m.group(4) or m.group(2)
        unit_lo = m.group(2) or unit_hi
        a, b = _years(m.group(1), unit_lo), _years(m.group(3), unit_hi)
        if a < b:
            lo, hi, ranged = a, b, True
            break
    if not ranged:
        bounds = _AGE_BOUNDS.search(s)
        if bounds:
            a = _years(bounds.group(1), bounds.group(2))
            b = _years(bounds.group(3), bounds.group(4))
            if a < b:
                lo, hi, ranged = a, b, True
    if not ranged:
        for rx in _AGE_MIN:
            for m in rx.finditer(s):
                if whole or _anchored(s, m.start(), m.end(1)):
                    lo = _years(m.group(1), m.group(2))
                    break
            if lo is not None:
                break
        for rx in _AGE_MAX:
            for m in rx.finditer(s):
                if whole or _anchored(s, m.start(), m.end(1)):
                    hi = _years(m.group(1), m.group(2))
                    break
            if hi is not None:
                break
    out: dict[str, Any] = {}
    if kind == EXCLUSION:
        if ranged:
            return {}
        lo, hi = (hi, lo)
    if lo is not None and hi is not None and lo > hi:
        return {}
    if lo is not None and lo < 130:
        out["min_age"] = float(_clean(lo))
    if hi is not None and hi < 130:
        out["max_age"] = float(_clean(hi))
    return out


# ---- sex

_SEX_ALL = re.compile(
    r"\b(?:males?\s+(?:or|and|and/or|/)\s+females?|females?\s+(?:or|and|and/or|/)\s+males?|"
    r"men\s+(?:or|and|and/or)\s+women|women\s+(?:or|and|and/or)\s+men|both\s+(?:sexes|genders)|"
    r"either\s+(?:sex|gender)|regardless\s+of\s+(?:gender|sex)|all\s+genders|any\s+gender|"
    r"(?:sex|gender)\s*:\s*(?:all|both))\b"
)
_SEX_CONTEXT = re.compile(
    r"child[- ]?bearing|contracept|pregnan|lactat|breast[- ]?feed|partner|sterili|fertil|"
    r"birth control|menopaus"
)
_SEX_ONE = re.compile(
    r"^\W*(?:healthy\s+|adult\s+|elderly\s+|ambulatory\s+|caucasian\s+|asian\s+|"
    r"chinese\s+|japanese\s+|korean\s+|non-?smoking\s+)?(males?|females?|men|women|boys|girls)\b"
    r"|(?:sex|gender)\s*:\s*(males?|females?)\b"
    r"|\b(males?|females?|men|women)\s+(?:patients|subjects|participants|volunteers|aged)\b"
)


def _sex(s: str, raw: str, kind: str, section: str | None) -> dict[str, Any]:
    if kind != INCLUSION:
        return {}
    sec = (section or "").lower()
    if re.match(r"^\W*(?:sex|gender)\b", sec):
        body = s.strip(" .;:")
        if re.fullmatch(
            r"(?:males?\s+(?:or|and)\s+females?|females?\s+(?:or|and)\s+males?|"
            r"both|all)",
            body,
        ):
            return {"sex": "all"}
        if re.fullmatch(r"females?|women", body):
            return {"sex": "female"}
        if re.fullmatch(r"males?|men", body):
            return {"sex": "male"}
    if _SEX_ALL.search(s):
        m = _SEX_ALL.search(s)
        assert m is not None
        # "male or female patients of childbearing potential must ..." is about contraception
        if not _SEX_CONTEXT.search(s[m.end() : m.end() + 60]):
            return {"sex": "all"}
        return {}
    if _SEX_CONTEXT.search(s):
        return {}
    m = _SEX_ONE.search(s)
    if m:
        word = next(g for g in m.groups() if g)
        return {"sex": "female" if word.startswith(("fem", "wom", "girl")) else "male"}
    return {}


# ---- performance status

_ECOG_ANCHOR = re.compile(
    r"\becog\b|eastern cooperative oncology group|\bzubrod\b|\bwho\s+(?:performance|ps)\b|"
    r"\bperformance\s+status\b|\bperformance\s+score\b|\bps\b"
)
_KPS_ANCHOR = re.compile(r"\bkarnofsky\b|\bkps\b")


def _window(s: str, start: int, stop_rx: str, size: int = 70) -> str:
    w = s[start : start + size]
    cut = re.search(r"[.;](?!\d)|" + stop_rx, w)
    return w[: cut.start()] if cut else w


def _ecog(s: str, kind: str, section: str | None) -> dict[str, Any]:
    sec = (section or "").lower()
    anchors = list(_ECOG_ANCHOR.finditer(s))
    if not anchors and "performance status" in sec and re.search(r"\b(?:ecog|who|zubrod)\b", s):
        anchors = list(re.finditer(r"\b(?:ecog|who|zubrod)\b", s))
    for a in anchors:
        # the Karnofsky scale is read separately
        if re.search(r"(?:karnofsky|kps|lansky)\W*$", s[max(0, a.start() - 16) : a.start()]):
            continue
        if re.match(r"[\s(]*(?:\(?karnofsky|\(?kps|\(?lansky)", s[a.end() : a.end() + 14]):
            continue
        w = _window(s, a.end(), r"karnofsky|\bkps\b|lansky|\bor\s+ecog|\bps\s+of\s+[0-5]")
        w = re.sub(
            r"\(ecog\)|\(who\)|\(ps\)|eastern cooperative oncology group|"
            r"world health organi[sz]ation",
            " ",
            w,
        )
        lo: int | None = None
        hi: int | None = None
        m = re.search(r"(<=|<|>=|>|=)\s*([0-5])(?!\d|%|\.\d)", w)
        r = re.search(
            r"(?<![\d.])([0-5])\s*(?:-|to|or|and|,|/)\s*([0-5])"
            r"((?:\s*(?:,\s*or|,\s*and|,|or|and)\s*[0-5](?!\d|%|\.\d))*)(?!\d|%|\.\d)",
            w,
        )
        less = re.search(r"(?<![\d.])([0-5])\s*or\s*(?:less|lower|better|below|fewer)", w)
        more = re.search(r"(?<![\d.])([0-5])\s*or\s*(?:more|higher|greater|worse|above)", w)
        single = re.search(r"(?:of|:|=|is|score|status|ps|grade)\s*([0-5])(?!\d|%|\.\d)", w)
        if less:
            hi = int(less.group(1))
        elif more:
            lo = int(more.group(1))
        elif m and not (r and m.group(1) == "=" and r.start() <= m.end()):
            op, v = m.group(1), int(m.group(2))
            if op == "<=":
                hi = v
            elif op == "<":
                hi = v - 1
            elif op == ">=":
                lo = v
            elif op == ">":
                lo = v + 1
            else:
                lo = hi = v
        elif r:
            vals = [int(r.group(1)), int(r.group(2)), *map(int, re.findall(r"[0-5]", r.group(3)))]
            lo, hi = min(vals), max(vals)
        elif single:
            lo = hi = int(single.group(1))
        else:
            continue
        if kind == INCLUSION and hi is not None and hi >= 0:
            return {"ecog_max": hi}
        if kind == EXCLUSION and lo is not None and lo >= 1 and (hi is None or hi >= 3):
            return {"ecog_max": lo - 1}
        if kind == EXCLUSION and lo is not None and hi is not None and lo == hi and lo >= 1:
            return {"ecog_max": lo - 1}
        return {}
    return {}


def _karnofsky(s: str, kind: str) -> dict[str, Any]:
    for a in _KPS_ANCHOR.finditer(s):
        w = _window(s, a.end(), r"\becog\b|eastern|\bwho\b|zubrod|lansky", 80)
        w = re.sub(r"\(kps\)|performance\s+(?:status|score|scale)|score|scale|\(|\)|index", " ", w)
        lo: int | None = None
        hi: int | None = None
        m = re.search(r"(<=|<|>=|>|=)\s*(\d{2,3})(?!\d)", w)
        rng = re.search(r"(?<!\d)(\d{2,3})\s*%?\s*(?:-|to)\s*100\b", w)
        more = re.search(r"(?<!\d)(\d{2,3})\s*%?\s*or\s*(?:more|higher|greater|above|better)", w)
        less = re.search(r"(?<!\d)(\d{2,3})\s*%?\s*or\s*(?:less|lower|below|worse)", w)
        single = re.search(r"(?:of|:|is)\s*(\d{2,3})\s*%?(?!\d)", w)
        if rng:
            lo = int(rng.group(1))
        elif more:
            lo = int(more.group(1))
        elif less:
            hi = int(less.group(1))
        elif m:
            op, v = m.group(1), int(m.group(2))
            if op == ">=":
                lo = v
            elif op == ">":
                lo = v + 10
            elif op == "<=":
                hi = v
            elif op == "<":
                hi = v - 10
            else:
                lo = v
        elif single:
            lo = int(single.group(1))
        else:
            continue
        if kind == EXCLUSION:
            lo, hi = (hi + 10 if hi is not None else None), None
        if lo is not None and 0 <= lo <= 100:
            return {"karnofsky_min": lo}
        return {}
    return {}


# ---- life expectancy

_LIFE = re.compile(
    r"life\s+expectancy|expected\s+survival|survival\s+expectancy|"
    r"expected\s+to\s+(?:live|survive)|estimated\s+survival"
)
_LIFE_VALUE = re.compile(
    r"(>=|>|<=|<|=)?\s*(\d+(?:\.\d+)?)\s*(weeks?|wks?|months?|mos?|"
    r"years?|yrs?|days?)\b"
)
_TIME_UNITS = {"w": "week", "m": "month", "y": "year", "d": "day"}


def _life(s: str, kind: str) -> dict[str, Any]:
    for a in _LIFE.finditer(s):
        w = _window(s, a.end(), r"$^", 70)
        m = _LIFE_VALUE.search(w)
        if not m:
            continue
        op = m.group(1) or ""
        days = float(m.group(2)) * DAYS[_TIME_UNITS[m.group(3)[0]]]
        if op.startswith("<"):
            if kind == EXCLUSION:
                return {"life_expectancy_min_days": float(_clean(days))}
            return {}
        if kind == EXCLUSION:
            return {}
        return {"life_expectancy_min_days": float(_clean(days))}
    return {}


# ---- measurable disease

_MEASURABLE = re.compile(
    r"(?<![\w-])measurable\b(?!\s+residual)(?:\s+(?:and/or|or|and)\s+(?:non-?measurable|"
    r"evaluable|assessable|non-?target))?(?P<obj>(?:\s+\(?[\w/-]+\)?){0,3}?\s+(?:disease|"
    r"lesions?|lesion\(s\)|tumou?rs?|targets?|sites?|metasta\w*|deposits?|nodes?|mass(?:es)?)"
    r"\b|\s+(?:by|per|according|as\s+defined|using|based)\b)"
)
_MEASURABLE_WEAK = re.compile(
    r"(?:evaluable|assessable|non-?measurable)\s+(?:and/or|or)\s+measurable|"
    r"measurable\s+(?:and/or|or)\s+(?:non-?measurable|evaluable|assessable|non-?target)"
)
_MEASURABLE_NEG = re.compile(
    r"\b(?:no|without|absence\s+of|not\s+have|lack\s+of|non)[\s-]+(?:\w+\s+){0,2}?"
    r"measurable\b|\bnon-measurable\s+disease\s+only\b"
)
_NOT_RESPONSE = ("CTCAE", "EORTC", "EQ-5D", "SF-", "IIEF")


def _measurable(s: str, raw: str, kind: str) -> dict[str, Any]:
    if "measurable" not in s or not _MEASURABLE.search(s) or _MEASURABLE_WEAK.search(s):
        return {}
    if re.search(r"\b(?:1|any|either)\s+(?:or\s+more\s+)?of\s+the\s+following\b|\band/or\b", s):
        return {}  # measurable disease is one alternative among others
    negated = bool(_MEASURABLE_NEG.search(s))
    if kind == INCLUSION:
        value = not negated
    elif negated:
        value = True
    else:
        return {}
    out: dict[str, Any] = {"measurable_disease": value}
    if value:
        from kg.text.criteria import find_criteria

        notations = [
            c.notation for c in find_criteria(raw) if not c.notation.startswith(_NOT_RESPONSE)
        ]
        if notations:
            out["measurable_by"] = notations
    return out


# ---- prior lines

_LINE_NOUN = (
    r"(?:lines?|regimens?|(?:systemic|anti-?cancer|anti-?tumou?r|anti-?neoplastic)\s+"
    r"(?:\w+\s+)?(?:therapy|therapies|treatments?|regimens?|chemotherap\w*))\b"
)
_PRIOR = r"(?:(?:prior|previous|preceding|earlier)\s+)?"
_LINES_MAX = re.compile(rf"(<=|<)\s*(\d{{1,2}})\s*{_PRIOR}(?:[\w-]+\s+){{0,2}}?{_LINE_NOUN}")
_LINES_MIN = re.compile(rf"(>=|>)\s*(\d{{1,2}})\s*{_PRIOR}(?:[\w-]+\s+){{0,3}}?{_LINE_NOUN}")
_LINES_RANGE = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s*(?:-|to|or)\s*(\d{{1,2}})\s*{_PRIOR}(?:[\w-]+\s+){{0,2}}?"
    rf"{_LINE_NOUN}"
)
_LINES_PLUS = re.compile(
    rf"(?<![\d.])(\d{{1,2}})\s*(?:or\s+more|or\s+greater|\+)\s*{_PRIOR}"
    rf"(?:[\w-]+\s+){{0,2}}?{_LINE_NOUN}"
)
_LINES_EXACT = re.compile(
    rf"\b(?:only|exactly|1\s+and\s+only)\s+(\d{{1,2}})\s*{_PRIOR}"
    rf"(?:[\w-]+\s+){{0,2}}?{_LINE_NOUN}"
)
_AFTER_FIRST_LINE = re.compile(
    r"(?:\b(?:fail\w*|progress\w*|refractory|relaps\w*|recurr\w*|after|following|"
    r"intoleran\w*|resistan\w*)\b|>=?)[^.;]{0,80}?\b(?:first|1st|front)[- ]?line\b"
)
_NAIVE = re.compile(r"\b(?:treatment|therapy|systemic[- ]therapy)[- ]?na[iï]ve\b")
_NAIVE_CLASS = re.compile(
    r"(?:tki|tkis|inhibitors?|\w+(?:mab|nib|lib|ib)|egfr|alk|immunotherapy|hormon\w*|"
    r"endocrine|\bici\b|pd-?l?1|\)|osimertinib|-)\s*$"
)
_UNTREATED = re.compile(
    r"\bpreviously\s+untreated\b|\bno\s+(?:prior|previous)\s+(?:\w+\s+)?(?:systemic|anti-?cancer|"
    r"anti-?tumou?r|anti-?neoplastic)\s+(?:\w+\s+)?(?:therapy|therapies|treatments?)\b|"
    r"\b(?:not|never)\s+(?:have\s+)?(?:been\s+)?(?:received|receive|treated\s+with)\s+(?:any\s+)?"
    r"(?:prior\s+|previous\s+)?(?:systemic|anti-?cancer|anti-?tumou?r)\s+(?:\w+\s+)?"
    r"(?:therapy|therapies|treatments?|chemotherapy)\b|"
    r"\buntreated\s+(?:[\w'-]+\s+){0,3}?(?:cancer|carcinoma|lymphoma|leuka?emia|myeloma|nsclc|"
    r"sclc|malignan\w*)\b"
)
_PRIOR_SYSTEMIC = re.compile(
    r"\b(?:prior|previous)\s+(?:\w+\s+){0,2}?(?:systemic|anti-?cancer|anti-?tumou?r|"
    r"anti-?neoplastic)\s+(?:\w+\s+)?(?:therapy|therapies|treatments?|chemotherapy)\b"
)
_WASHOUT = re.compile(
    r"\bwithin\b|\bin\s+the\s+(?:last|past|previous)\b|\b(?:weeks?|days?|months?)\s+(?:before|"
    r"prior\s+to|of)\b|\bprior\s+to\s+(?:the\s+)?(?:first|start|study|enrol|random|initiation|"
    r"day)"
)


def _prior_lines(s: str, kind: str) -> dict[str, Any]:
    lo: int | None = None
    hi: int | None = None
    if (
        re.search(
            r"line|regimen|systemic|anti-?cancer|anti-?tumou?r|naive|untreated|"
            r"neoplastic",
            s,
        )
        is None
    ):
        return {}
    m = _LINES_EXACT.search(s)
    if m:
        lo = hi = int(m.group(1))
    else:
        for m in _LINES_RANGE.finditer(s):
            a, b = int(m.group(1)), int(m.group(2))
            if a < b:
                lo, hi = a, b
                break
        if lo is None:
            for m in _LINES_MIN.finditer(s):
                v = int(m.group(2))
                lo = v + 1 if m.group(1) == ">" else v
                break
            if lo is None:
                m2 = _LINES_PLUS.search(s)
                if m2:
                    lo = int(m2.group(1))
        if hi is None:
            for m in _LINES_MAX.finditer(s):
                v = int(m.group(2))
                hi = v - 1 if m.group(1) == "<" else v
                break
        if lo is None and _AFTER_FIRST_LINE.search(s):
            lo = 1
        if lo is None and hi is None:
            for m in _NAIVE.finditer(s):
                if re.match(
                    r"\s*(?:or|and|/)\s*(?:treatment[- ])?(?:experienced|pre-?treated|"
                    r"previously\s+treated)",
                    s[m.end() : m.end() + 40],
                ):
                    continue
                if not _NAIVE_CLASS.search(s[max(0, m.start() - 25) : m.start()]):
                    hi = 0
                    break
            if hi is None and _UNTREATED.search(s) and not _WASHOUT.search(s):
                hi = 0
        if kind == EXCLUSION and lo is None and hi is None:
            if _PRIOR_SYSTEMIC.search(s) and not _WASHOUT.search(s):
                lo = 1
    if lo is None and hi is None:
        return {}
    if kind == EXCLUSION:
        if lo is not None and hi is not None:
            if lo == hi == 0:
                return {"prior_lines_min": 1}
            return {}
        if lo is not None:
            return {"prior_lines_max": lo - 1} if lo >= 1 else {}
        assert hi is not None
        return {"prior_lines_min": hi + 1}
    out: dict[str, Any] = {}
    if lo is not None:
        out["prior_lines_min"] = lo
    if hi is not None and hi >= 0:
        out["prior_lines_max"] = hi
    if lo is not None and hi is not None and lo > hi:
        return {}
    return out


# ---- biomarkers

_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (
        "PD-L1",
        re.compile(
            r"\bPD-?L1\b|programmed\s+(?:cell\s+)?death[\s-]+(?:1\s+)?ligand[\s-]*1"
            r"|\bB7-?H1\b",
            re.I,
        ),
    ),
    (
        "HER2",
        re.compile(
            r"\bHER-?2(?:\s*/\s*neu|-?neu)?\b|\bERBB-?2\b|human\s+epidermal\s+growth"
            r"\s+factor\s+receptor[\s-]*2\b|\bc-?erbB-?2\b",
            re.I,
        ),
    ),
    (
        "EGFR",
        re.compile(
            r"\bEGFR\b|(?<!human )\bepidermal\s+growth\s+factor\s+receptor\b"
            r"(?![\s-]*2\b)(?!\s*\(HER)"
        ),
    ),
    ("ALK", re.compile(r"\bALK\b|anaplastic\s+lymphoma\s+kinase", re.I if False else 0)),
    ("ROS1", re.compile(r"\bROS-?1\b", re.I)),
    ("BRAF", re.compile(r"\bBRAF\b", re.I)),
    ("KRAS", re.compile(r"\bK-?RAS\b", re.I)),
    ("NRAS", re.compile(r"\bN-?RAS\b", re.I)),
    (
        "MSI-H",
        re.compile(
            r"\bMSI(?:-?H(?:igh)?)?\b|\bMSS\b|microsatellite[\s-]+(?:instability|"
            r"instable|unstable|stable|stability)|high[\s-]+microsatellite",
            re.I,
        ),
    ),
    ("dMMR", re.compile(r"\b[dp]MMR\b|mismatch[\s-]+repair|\bMMR\b", re.I)),
    ("TMB", re.compile(r"\bTMB(?:-?H(?:igh)?)?\b|tumou?r\s+mutation(?:al)?\s+burden", re.I)),
    ("NTRK", re.compile(r"\bNTRK[1-3]?\b", re.I)),
    ("RET", re.compile(r"\bRET\b")),
    ("MET", re.compile(r"\bc-?MET\b|\bMET\b")),
    ("BRCA", re.compile(r"\b[gs]?BRCA[12]?\b", re.I)),
    ("PIK3CA", re.compile(r"\bPIK3CA\b", re.I)),
    ("IDH", re.compile(r"\bIDH[12]?\b", re.I)),
    ("FGFR", re.compile(r"\bFGFR[1-4]?\b", re.I)),
    ("FLT3", re.compile(r"\bFLT-?3\b", re.I)),
    (
        "ER",
        re.compile(
            r"\bER\b(?=\s*[+-]|\s*/|\s*(?:and|or)\s+PR|-?\s*positiv|-?\s*negativ)|"
            r"\b(?:o?estrogen)\s+receptor",
            re.I if False else 0,
        ),
    ),
    ("PR", re.compile(r"\bPg?R\b(?=\s*[+-]|-?\s*positiv|-?\s*negativ)|\bprogesterone\s+receptor")),
    ("HR", re.compile(r"\bhormone[\s-]+receptors?\b|\bHR\b(?=\s*[+-]|-?\s*positiv|-?\s*negativ)")),
    ("BCR-ABL", re.compile(r"\bBCR-?ABL1?\b|philadelphia\s+chromosome|\bPh\+", re.I)),
    ("CD20", re.compile(r"\bCD20\b", re.I)),
    ("CD19", re.compile(r"\bCD19\b", re.I)),
    ("CD30", re.compile(r"\bCD30\b", re.I)),
    ("CD33", re.compile(r"\bCD33\b", re.I)),
    ("BCMA", re.compile(r"\bBCMA\b", re.I)),
]
_MARKER_IS_DRUG = re.compile(
    r"^[\s)/-]*(?:[\w]+[\s/-]+)?(?:tkis?\b|tyrosine[\s-]+kinase|inhibit\w*|antibod\w*|"
    r"target\w*|directed|therap\w*|blockade|blocking|agents?\b|antagonists?|treatment|"
    r"drugs?\b|vaccine|car[\s-]?t|bispecific|adc\b|monoclonal)",
    re.I,
)
_STATUS: list[tuple[str, re.Pattern[str]]] = [
    (
        "wild-type",
        re.compile(
            r"wild[\s-]?types?|\bwt\b|non-?mutated|un-?mutated|"
            r"without\s+(?:\w+\s+)?mutations?",
            re.I,
        ),
    ),
    (
        "rearrangement",
        re.compile(
            r"rearrange\w*|fusions?\b|fusion[\s-]+(?:positive|gene)|"
            r"translocat\w*|\bfused\b",
            re.I,
        ),
    ),
    ("amplification", re.compile(r"amplif\w*", re.I)),
    (
        "mutation",
        re.compile(
            r"mutat\w*|mutant|\bvariants?\b|deletions?|\bdel\b|insertions?|"
            r"alterations?|activating|sensiti[sz]ing|substitutions?|"
            r"\bexon\s*\d+|\b[A-Z]\d{2,4}[A-Z]\b|\bV600\b",
            re.I,
        ),
    ),
    ("high", re.compile(r"\bhigh\b|-H\b|-high\b", re.I)),
    ("low", re.compile(r"\blow\b", re.I)),
    (
        "negative",
        re.compile(
            r"negativ\w*|^\s*-(?=\s*(?:$|[/,;)]|and\b|or\b))|"
            r"^\s*\(-\)|\bproficien\w*|\bstable\b",
            re.I,
        ),
    ),
    (
        "positive",
        re.compile(
            r"positiv\w*|^\s*\+|^\s*\(\+\)|overexpress\w*|over-express\w*|"
            r"\bdeficien\w*|instabilit\w*|unstable|instable",
            re.I,
        ),
    ),
]
_PREFIX_STATUS = re.compile(
    r"(overexpress\w*|over-express\w*|positive\s+for|negative\s+for|mutated|mutant|"
    r"wild[\s-]?type|activating|sensiti[sz]ing|amplified|rearranged|deficient|proficient|"
    r"high)\s*(?:\(?\w+\)?\s*)?$",
    re.I,
)
_VARIANT = re.compile(
    r"\b(?:exon\s*\d+\s*(?:deletions?|del|insertions?|ins|skipping|mutations?|"
    r"substitutions?)?|[A-Z]\d{2,4}[A-Z](?:/[A-Z])?|V600[EK]?|19\s*del(?:etion)?|"
    r"T790M|L858R|G12C)\b"
)
_THRESHOLD = re.compile(
    r"(?:(?P<score>tps|tumou?r\s+proportion\s+score|cps|combined\s+positive\s+score|tc|ic|tap)"
    r"\s*(?:score\s*)?(?:of\s*)?(?:is\s*)?[:=]?\s*)?"
    r"(?P<op>>=|<=|>|<|=|\u2265|\u2264)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|mut(?:ations)?\s*/\s*mb)?"
    r"(?:\s*(?:of|in)?\s*(?:tumou?r\s+cells\s*)?\(?\s*(?P<score2>tps|cps)\b)?",
    re.I,
)
_IHC = re.compile(r"\bIHC\s*\)?\s*(?:score\s*(?:of\s*)?)?([0-3])\s*\+", re.I)
_SCORE_NAMES = {
    "tumor proportion score": "TPS",
    "tumour proportion score": "TPS",
    "combined positive score": "CPS",
}
_OPS = {
    ">=": "\u2265",
    "<=": "\u2264",
    "\u2265": "\u2265",
    "\u2264": "\u2264",
    ">": ">",
    "<": "<",
    "=": "=",
}
_NEGATION = re.compile(
    r"\b(?:no|not|without|absence\s+of|lack\s+of|negative\s+for|free\s+of|nor)\b[^.;]{0,40}$",
    re.I,
)


def _threshold(window: str) -> str | None:
    best: re.Match[str] | None = None
    for m in _THRESHOLD.finditer(window):
        if m.group("score") or m.group("score2") or m.group("unit"):
            if (
                best is None
                or (m.group("score") or m.group("score2"))
                and not (best.group("score") or best.group("score2"))
            ):
                best = m
    if best is None:
        ihc = _IHC.search(window)
        return f"IHC {ihc.group(1)}+" if ihc else None
    score = (best.group("score") or best.group("score2") or "").lower()
    score = _SCORE_NAMES.get(re.sub(r"\s+", " ", score), score.upper())
    unit = best.group("unit") or ""
    unit = "%" if unit == "%" else (" mut/Mb" if unit else "")
    op = _OPS[best.group("op")]
    num = best.group("num")
    return f"{score} {op} {num}{unit}".strip()


# token stems that must be present before a marker's pattern is tried (see _gate_sets)
_MARKER_STEMS: dict[str, tuple[str, ...]] = {
    "PD-L1": ("pd", "pdl1", "programmed", "b7", "b7h1"),
    "HER2": ("her2", "her2neu", "her", "erbb2", "erbb", "cerbb2", "c", "human"),
    "EGFR": ("egfr", "epidermal"),
    "ALK": ("alk", "anaplastic"),
    "ROS1": ("ros", "ros1"),
    "BRAF": ("braf",),
    "KRAS": ("kras", "ras"),
    "NRAS": ("nras", "ras"),
    "MSI-H": ("msi", "mss", "msih", "microsatellite", "high"),
    "dMMR": ("dmmr", "pmmr", "mmr", "mismatch"),
    "TMB": ("tmb", "tmbh", "burden"),
    "NTRK": ("ntrk", "ntrk1", "ntrk2", "ntrk3"),
    "RET": ("ret",),
    "MET": ("met", "cmet"),
    "BRCA": ("brca", "brca1", "brca2", "gbrca", "sbrca"),
    "PIK3CA": ("pik3ca",),
    "IDH": ("idh", "idh1", "idh2"),
    "FGFR": ("fgfr", "fgfr1", "fgfr2", "fgfr3", "fgfr4"),
    "FLT3": ("flt", "flt3"),
    "ER": ("er", "estrogen", "oestrogen"),
    "PR": ("pr", "pgr", "progesterone"),
    "HR": ("hr", "hormone"),
    "BCR-ABL": ("bcr", "bcrabl", "bcrabl1", "philadelphia", "ph"),
    "CD20": ("cd20",),
    "CD19": ("cd19",),
    "CD30": ("cd30",),
    "CD33": ("cd33",),
    "BCMA": ("bcma",),
}  # fmt: skip


def _gate_sets(stems: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(whole tokens, 4-letter prefixes, 6-letter prefixes) that open a gate."""
    return (
        frozenset(w for w in stems if len(w) < 4),
        frozenset(w[:4] for w in stems if 4 <= len(w) < 6),
        frozenset(w[:6] for w in stems if len(w) >= 6),
    )


def _gate_open(
    gate: tuple[frozenset[str], frozenset[str], frozenset[str]],
    tokens: set[str],
    p4: set[str],
    p6: set[str],
) -> bool:
    exact, four, six = gate
    return not (tokens.isdisjoint(exact) and p4.isdisjoint(four) and p6.isdisjoint(six))


_MARKER_GATES = [(name, rx, _gate_sets(_MARKER_STEMS[name])) for name, rx in _MARKERS]


def _biomarkers(raw: str, kind: str) -> dict[str, Any]:
    text = _unescape(raw).translate(_TRANS)
    tokens = set(_TOKEN.findall(text.lower()))
    p4 = {t[:4] for t in tokens}
    p6 = {t[:6] for t in tokens if len(t) >= 6}
    hits: list[tuple[int, int, str]] = []
    for name, rx, gate in _MARKER_GATES:
        if _gate_open(gate, tokens, p4, p6):
            for m in rx.finditer(text):
                hits.append((m.start(), m.end(), name))
    if not hits:
        return {}
    hits.sort()
    # drop overlaps (HER2 inside "human epidermal growth factor receptor 2" vs EGFR)
    kept: list[tuple[int, int, str]] = []
    for h in hits:
        if kept and h[0] < kept[-1][1]:
            continue
        kept.append(h)
    found: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], int]] = []  # markers waiting for a shared status
    for i, (start, end, name) in enumerate(kept):
        nxt = kept[i + 1][0] if i + 1 < len(kept) else len(text)
        prev_end = kept[i - 1][1] if i else 0
        after = text[end : min(nxt, end + 90)]
        cut = re.search(r"[;.](?:\s|$)", after)
        if cut:
            after = after[: cut.start()]
        if _MARKER_IS_DRUG.match(text[end : end + 40]) or re.search(
            r"anti-?\s*$", text[max(0, start - 6) : start], re.I
        ):
            pending = []
            continue
        before = text[max(prev_end, start - 40) : start]
        status = None
        best_pos = 10**9
        for st, rx in _STATUS:
            m = rx.search(after)
            if m and m.start() < best_pos:
                status, best_pos = st, m.start()
        pre = _PREFIX_STATUS.search(before)
        if pre and not re.search(r"[,;]", before[pre.end() :]):
            word = pre.group(1).lower()
            pre_status = (
                "negative" if word.startswith(("negative", "proficient"))
                else "positive" if word.startswith(("overexp", "over-exp", "positive", "deficient",
                                                   "high"))
                else "wild-type" if word.startswith("wild")
                else "amplification" if word.startswith("ampl")
                else "rearrangement" if word.startswith("rearr")
                else "mutation"
            )  # fmt: skip
            if status is None or best_pos > 3:
                status = pre_status
        threshold = _threshold(after)
        if name in ("MSI-H", "dMMR", "TMB"):
            status = _intrinsic(name, text[start:end], status)
        if status is None and threshold:
            status = "negative" if re.search(r"<", threshold) else "positive"
            if name == "TMB":
                status = "high" if status == "positive" else "low"
        variant = _VARIANT.search(text[start : min(nxt, end + 60)])
        negated = bool(_NEGATION.search(text[max(0, start - 45) : start]))
        entry: dict[str, Any] = {"marker": name, "status": status}
        if threshold:
            entry["threshold"] = threshold
        if variant:
            entry["variant"] = _fold(variant.group(0))
        entry["required"] = kind == INCLUSION and not negated
        if status is None:
            # "EGFR and ALK wild-type": wait for the next marker's status
            if re.fullmatch(r"[\s,/]*(?:and|or|and/or|,|/)?[\s,/]*", after):
                pending.append((entry, i))
            continue
        for p, _ in pending:
            p["status"] = status
            found.append(p)
        pending = []
        found.append(entry)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str | None]] = set()
    for e in found:
        key = (e["marker"], e["status"])
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return {"biomarkers": out} if out else {}


def _intrinsic(name: str, mention: str, status: str | None) -> str | None:
    """Status carried by the marker's own name (MSI-H, MSS, dMMR, pMMR, TMB-H)."""
    m = mention.lower()
    if name == "MSI-H":
        if "mss" in m or "stable" in m:
            return "negative"
        if re.search(r"msi-?h|instab|unstable|instable|high", m):
            return status if status in ("negative",) else "positive"
        return (
            status
            if status in ("positive", "negative")
            else ("positive" if status == "high" else "negative" if status == "low" else None)
        )
    if name == "dMMR":
        if m.startswith("pmmr"):
            return "negative"
        if m.startswith("dmmr"):
            return "positive"
        return status if status in ("positive", "negative") else None
    if name == "TMB":
        if re.search(r"-?h(?:igh)?$", m) and not m.endswith("burden"):
            return "high"
        return status if status in ("high", "low") else None
    return status


# ---- organ function

_ORGAN_WORDS = [
    (
        "hematologic",
        re.compile(
            r"\b(?:ha?ematolog\w*|ha?ematopoie\w*|bone\s+marrow|marrow|"
            r"blood\s+count)\b"
        ),
    ),
    ("hepatic", re.compile(r"\b(?:hepatic|liver)\b")),
    ("renal", re.compile(r"\b(?:renal|kidney)\b")),
]
_FUNCTION = re.compile(
    r"\bfunctions?\b|\breserve\b|\bimpairment\b|\binsufficiency\b|"
    r"\bfailure\b|\bdysfunction\b"
)
_LABS = [
    (
        "hematologic",
        re.compile(
            r"\b(?:anc|absolute\s+neutrophil\w*|neutrophils?|granulocytes?|platelets?|plt|"
            r"ha?emoglobin|hb|hgb|wbc|white\s+blood\s+cells?|leu[ck]ocytes?|ha?ematocrit)\b"
        ),
    ),
    (
        "hepatic",
        re.compile(
            r"\b(?:bilirubin|tbil|alt|ast|sgpt|sgot|transaminases?|aminotransferases?|"
            r"alkaline\s+phosphatase|alp)\b"
        ),
    ),
    (
        "renal",
        re.compile(
            r"\b(?:creatinine|crcl|gfr|egfr(?=\s*(?:>|<|=|\(|of|\d))|creatinine\s+clearance|"
            r"clearance|bun|blood\s+urea)\b"
        ),
    ),
]
_LAB_VALUE = re.compile(r"[^;]{0,90}?(?:\d|\buln\b|\bnormal\b|\blimit\b|\bwnl\b|\bunl\b)")
# short lab names count only when written in capitals ("ALT", not the "ast" of a broken "last")
_LAB_ABBREVIATIONS = frozenset("anc plt hb hgb wbc tbil alt ast sgpt sgot alp crcl bun".split())


# words that may make up the list of organs before "function" ("bone marrow, liver, and renal
# function"); read right to left from "function" (a regex anchored at the end backtracks badly)
_ORGAN_LIST_WORDS = frozenset(
    "haematologic haematological hematologic hematological hematopoietic haematopoietic bone "
    "marrow hepatic liver renal kidney organ organs end-organ cardiac heart lung lungs pulmonary "
    "brain coagulation blood thyroid adrenal respiratory neurologic neurological major baseline "
    "other and or and/or".split()
)
_LIST_TOKEN = re.compile(r"[\w/-]+|[,&]")


def _organ_list(before: str) -> tuple[str, int] | None:
    """The run of organ words (and connectors) that ends ``before``, and where it starts."""
    tokens = list(_LIST_TOKEN.finditer(before))
    start = None
    for t in reversed(tokens):
        w = t.group(0)
        if w in (",", "&") or w in _ORGAN_LIST_WORDS:
            start = t.start()
            continue
        break
    if start is None:
        return None
    return before[start:], start


_GOOD = re.compile(
    r"\b(?:adequate|acceptable|normal|sufficient|satisfactory|appropriate|good|"
    r"preserved|required)\b"
)


def _organ(s: str, raw: str, section: str | None) -> dict[str, Any]:
    organs: set[str] = set()
    general = False
    lab_egfr = re.search(r"\beGFR\b", raw) is not None  # the lab value, not the EGFR gene
    for m in _FUNCTION.finditer(s):
        before = s[max(0, m.start() - 80) : m.start()]
        found = _organ_list(before)
        if not found:
            continue
        words, at = found
        named = False
        for name, rx in _ORGAN_WORDS:
            if rx.search(words):
                organs.add(name)
                named = True
        if (
            not named
            and re.search(r"\borgans?\b|\bend-organ\b", words)
            and m.group(0).startswith("function")
            and _GOOD.search(before[max(0, at - 25) :])
        ):
            general = True
    for name, rx in _LABS:
        for m in rx.finditer(s):
            if name == "hematologic" and (
                re.search(r"(?:a1c|glyc\w*)\W*$", s[max(0, m.start() - 16) : m.start()])
                or s.startswith("a1c", m.end())
            ):
                continue  # HbA1c, glycated haemoglobin: a diabetes marker
            word = m.group(0)
            if word in _LAB_ABBREVIATIONS and not re.search(
                r"\b" + word.upper() + r"\b|\b" + word.capitalize() + r"\b", raw
            ):
                continue
            if name == "renal" and word.startswith("egfr") and not lab_egfr:
                continue
            if _LAB_VALUE.match(s, m.end()):
                organs.add(name)
                break
    sec = (section or "").lower()
    if sec and len(sec) <= 40 and re.search(r"\d|normal|uln|limit", s):
        for name, rx in _ORGAN_WORDS:
            if rx.search(sec):
                organs.add(name)
    if organs:
        return {"organ_function": sorted(organs)}
    if general:
        return {"organ_function": ["general"]}
    return {}


# ---- brain metastases

_BRAIN = re.compile(
    r"\b(?:brain|cns|central\s+nervous\s+system|cerebral|intracranial|intra-cranial|"
    r"brain\s+parenchymal|parenchymal\s+brain)\s+(?:\w+\s+)?(?:metasta\w*|mets|lesions?\s+from)|"
    r"\bmetasta\w*\s+(?:to|in|of)\s+the\s+(?:brain|cns|central\s+nervous\s+system)\b|"
    r"\bbrain\s+mets\b"
)
_ACTIVE = re.compile(
    r"\b(?:active|untreated|symptomatic|unstable|progressive|progressing|uncontrolled|"
    r"unresected|unirradiated|requiring\s+(?:steroids?|corticosteroids?|treatment)|"
    r"need(?:ing)?\s+(?:steroids?|treatment))\b"
)
_STABLE = re.compile(
    r"\b(?:stable|treated|controlled|asymptomatic|inactive|unless|provided|except|"
    r"allowed\s+if|eligible\s+if|permitted\s+if|no\s+longer|not\s+requiring|"
    r"do(?:es)?\s+not\s+require|without\s+(?:steroids?|symptoms))\b"
)
_ALLOWED = re.compile(
    r"\b(?:allowed|permitted|eligible|acceptable|may\s+be\s+(?:included|"
    r"enrolled)|can\s+be\s+(?:included|enrolled))\b"
)
_NEG_BEFORE = re.compile(
    r"\b(?:no|without|absence\s+of|free\s+of|not\s+have|nor|"
    r"negative\s+for)\b"
)
_REQUIRED = re.compile(
    r"\b(?:must\s+have|with|presence\s+of|confirmed|diagnosed|documented|"
    r"harbou?ring|having)\b"
)


def _drop_asides(s: str) -> str:
    """Parenthetical remarks that do not mention the brain are not about it."""
    return re.sub(
        r"\([^()]*\)",
        lambda m: m.group(0) if re.search(r"brain|cns|metasta", m.group(0)) else " ",
        s,
    )


def _brain(s: str, kind: str) -> dict[str, Any]:
    if "metasta" not in s and "mets" not in s:
        return {}
    t = _drop_asides(s)
    m = _BRAIN.search(t)
    if not m:
        return {}
    before = t[max(0, m.start() - 50) : m.start()]
    before = re.split(r"[.;]\s", before)[-1]
    after = t[m.end() : m.end() + 90]
    after = re.split(r"(?<!\d)\.\s", after)[0]
    near_active = bool(_ACTIVE.search(before[-45:]) or _ACTIVE.search(after[:40]))
    stable = bool(_STABLE.search(before[-30:]) or _STABLE.search(after))
    if kind == EXCLUSION:
        if near_active or stable:
            return {"brain_metastases": "allowed-if-stable"}
        return {"brain_metastases": "excluded"}
    negated = bool(_NEG_BEFORE.search(before))
    if negated:
        if near_active or stable:
            return {"brain_metastases": "allowed-if-stable"}
        return {"brain_metastases": "excluded"}
    if _ALLOWED.search(after) or _ALLOWED.search(before):
        return {"brain_metastases": "allowed-if-stable" if stable else "allowed"}
    if _REQUIRED.search(before) or re.match(r"^\W*$", before):
        return {"brain_metastases": "required"}
    return {}


# ---- pregnancy and contraception

_PREG = re.compile(
    r"\bpregnan\w*|\blactat\w*|\bbreast[\s-]?feed\w*|\bbreast[\s-]?fed\b|"
    r"\bnursing(?!\s+(?:home|facility|care|staff))\b"
)
_PREG_NEG_INCL = re.compile(
    r"\b(?:not|non|no|nor)[\s-]+(?:be\s+)?(?:currently\s+)?(?:pregnan|lactat|breast|nursing)|"
    r"negative\s+(?:\w+\s+){0,3}?pregnancy|pregnancy\s+test\s+(?:\w+\s+){0,4}?negative|"
    r"must\s+not\s+be\s+(?:pregnan|lactat|breast|nursing)"
)
_PREG_AVOID = re.compile(
    r"\b(?:avoid|prevent\w*|prevention\s+of|to\s+become|becoming|"
    r"planning\s+to\s+become)\s+(?:a\s+)?(?:\w+\s+)?$"
)
_CONTRA = re.compile(
    r"contracept\w*|birth\s+control|barrier\s+method|\babstinen\w*|"
    r"\bsterili[sz]ation\b|\bsurgically\s+sterile\b|\bvasectom\w*"
)


def _pregnancy(s: str, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _CONTRA.search(s) and not re.search(r"not\s+(?:a\s+)?requir\w*|not\s+need", s):
        out["contraception"] = True
    hits = list(_PREG.finditer(s))
    if not hits:
        return out
    if kind == EXCLUSION:
        for m in hits:
            before = s[max(0, m.start() - 30) : m.start()]
            if re.search(r"\b(?:avoid|prevent\w*|prevention\s+of)\s+(?:\w+\s+)?$", before):
                continue
            out["pregnancy"] = "excluded"
            break
        return out
    if _PREG_NEG_INCL.search(s):
        out["pregnancy"] = "excluded"
    elif re.match(r"^\W*(?:healthy\s+)?pregnan", s):
        out["pregnancy"] = "required"
    return out


# ---- entry point


def criterion_attributes(
    text: str | None, kind: str = INCLUSION, section: str | None = None
) -> dict[str, Any]:
    """What one criterion states (keys in the module docstring); never raises.

    ``kind`` turns exclusion wording into the eligibility consequence; ``section`` (the
    sub-heading the item sits under, e.g. ``"Age"`` or ``"Hepatic"``) gives context to
    bare items such as ``"18 and over"``.

    >>> criterion_attributes("Eastern Cooperative Oncology Group (ECOG) performance status 0-1")
    {'ecog_max': 1}
    >>> criterion_attributes("Younger than 18 years old", "exclusion")
    {'min_age': 18.0}
    >>> criterion_attributes("PD-L1 TPS >= 50%")["biomarkers"][0]["threshold"]
    'TPS ≥ 50%'
    >>> criterion_attributes("Over 18", section="Age")
    {'min_age': 18.0}
    """
    if not isinstance(text, str) or not text.strip():
        return {}
    kind = EXCLUSION if kind == EXCLUSION else INCLUSION
    try:
        found = _cached_attributes(text[:MAX_ATTRIBUTE_CHARS], kind, (section or "")[:200] or None)
        return _copy(found) if found else {}
    except Exception:  # pragma: no cover - a defect must not stop a batch
        return {}


# Cheap gates: a family's regexes run only when a token of the criterion starts with one
# of its stems (stems of 6+ letters compare on 6, of 4-5 letters on 4, shorter ones whole).
_GATE_STEMS: dict[str, tuple[str, ...]] = {
    "age": ("age", "ages", "aged", "old", "older", "younger", "elder", "year", "yr", "yrs",
            "month"),
    "sex": ("male", "males", "female", "men", "women", "boys", "girls", "sex", "gender"),
    "ecog": ("ecog", "performance", "zubrod", "ps", "who"),
    "kps": ("karnofsky", "kps"),
    "measurable": ("measurable",),
    "lines": ("line", "regimen", "systemic", "anti", "naive", "untreated", "neoplastic"),
    "organ": ("function", "reserve", "impair", "insufficien", "failure", "neutrophil",
              "granulocyte", "platelet", "hemoglobin", "haemoglobin", "hemato", "haemat",
              "leukocyte", "leucocyte", "white", "bilirubin", "transaminase",
              "aminotransferase", "phosphatase", "creatinine", "clearance", "gfr", "egfr",
              "urea", "anc", "plt", "hb", "hgb", "wbc", "tbil", "alt", "ast", "sgpt", "sgot",
              "alp", "crcl", "bun", "marrow"),
    "brain": ("metastas", "metastat", "mets"),
    "preg": ("pregnan", "lactat", "breast", "nursing", "contracept", "birth", "barrier",
             "abstinen", "steril", "vasectom"),
    "life": ("expect", "survival"),
    "bio": ("pd", "l1", "pdl1", "programmed", "her2", "her2neu", "erbb2", "cerbb2", "erbb",
            "egfr", "epidermal", "alk", "anaplastic", "ros", "ros1", "braf", "kras", "ras",
            "nras", "msi", "mss", "msih", "microsatellite", "mmr", "dmmr", "pmmr", "mismatch",
            "tmb", "burden", "ntrk", "ntrk1", "ntrk2", "ntrk3", "ret", "cmet", "brca", "brca1",
            "brca2", "gbrca", "sbrca", "pik3ca", "idh", "idh1", "idh2", "fgfr", "fgfr1",
            "fgfr2", "fgfr3", "fgfr4", "flt", "flt3", "er", "pr", "pgr", "hr", "estrogen",
            "oestrogen", "progesterone", "hormone", "bcr", "philadelphia", "ph", "cd20",
            "cd19", "cd30", "cd33", "bcma", "b7", "b7h1"),
}  # fmt: skip


def _gate_index(gates: dict[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """``{key: names}`` where a key is a whole token, ``"4:"`` + a 4-letter prefix or
    ``"6:"`` + a 6-letter prefix (see :func:`_gate_sets`)."""
    index: dict[str, set[str]] = {}
    for name, stems in gates.items():
        exact, four, six = _gate_sets(stems)
        for key in [*exact, *("4:" + w for w in four), *("6:" + w for w in six)]:
            index.setdefault(key, set()).add(name)
    return {k: frozenset(v) for k, v in index.items()}


_GATE_INDEX = _gate_index(_GATE_STEMS)
_NO_NAMES: frozenset[str] = frozenset()


_TOKEN_FAMILIES: dict[str, frozenset[str]] = {}


def _token_families(t: str) -> frozenset[str]:
    """The families a token opens, remembered (tokens repeat across criteria)."""
    found = _TOKEN_FAMILIES.get(t)
    if found is None:
        index = _GATE_INDEX
        found = (
            index.get(t, _NO_NAMES)
            | index.get("4:" + t[:4], _NO_NAMES)
            | (index.get("6:" + t[:6], _NO_NAMES) if len(t) >= 6 else _NO_NAMES)
        )
        if len(_TOKEN_FAMILIES) > 200_000:  # hostile text: keep memory bounded
            _TOKEN_FAMILIES.clear()
        _TOKEN_FAMILIES[t] = found
    return found


def _families(tokens: set[str], raw: str) -> set[str]:
    fams: set[str] = set()
    for t in tokens:
        found = _TOKEN_FAMILIES.get(t)
        fams.update(found if found is not None else _token_families(t))
    if "MET" in raw:
        fams.add("bio")
    return fams


def _copy(attrs: dict[str, Any]) -> dict[str, Any]:
    """A copy a caller may change (values are scalars, lists of strings or of flat dicts)."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, list):
            out[k] = [dict(x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


@lru_cache(maxsize=8192)
def _cached_attributes(text: str, kind: str, section: str | None) -> dict[str, Any]:
    """:func:`_attributes`, remembered: registries repeat criteria word for word ("Not
    pregnant or nursing"); callers get a copy."""
    return _attributes(text, kind, section)


def _attributes(text: str, kind: str, section: str | None) -> dict[str, Any]:
    s, tokens = _normalise_tokens(text)
    sec = (section or "").lower()
    if sec:
        tokens |= set(_TOKEN.findall(sec))
    fams = _families(tokens, text)
    out: dict[str, Any] = {}
    if "age" in fams or (sec and re.match(r"^\W*age\b", sec)) or _AGE_ONLY.match(s):
        out.update(_age(s, kind, section))
    if "sex" in fams:
        out.update(_sex(s, text, kind, section))
    if "ecog" in fams:
        out.update(_ecog(s, kind, section))
    if "kps" in fams:
        out.update(_karnofsky(s, kind))
    if "measurable" in fams:
        out.update(_measurable(s, text, kind))
    if "lines" in fams:
        out.update(_prior_lines(s, kind))
    if "bio" in fams:
        out.update(_biomarkers(text, kind))
    if "organ" in fams:
        out.update(_organ(s, text, section))
    if "brain" in fams:
        out.update(_brain(s, kind))
    if "preg" in fams:
        out.update(_pregnancy(s, kind))
    if "life" in fams:
        out.update(_life(s, kind))
    return out
