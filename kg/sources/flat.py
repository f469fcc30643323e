"""The seed flat text: seven lines per trial, no NCT id.

Lines: 1 title, 2 brief summary, 3 conditions (``|``-separated), 4 interventions
(``TYPE: name``, ``|``-separated), 5 primary outcomes, 6 secondary outcomes (each
``measure, description, time frame`` with empty parts dropped, ``|``-separated),
7 detailed description. A file holds one trial or several (a multiple of seven
lines); a folder of such files is read file by file. Outcome fields are split by
:func:`kg.text.outsplit.split_outcomes`, the same splitter the CSV reader uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.record import Intervention, Outcome, Rejection, Source, TrialRecord, fold

FORMAT = "flat"
LINES_PER_TRIAL = 7

# ClinicalTrials.gov intervention types, as the CSV export and the flat text write them.
INTERVENTION_TYPES = (
    "DRUG",
    "BIOLOGICAL",
    "DEVICE",
    "PROCEDURE",
    "RADIATION",
    "BEHAVIORAL",
    "GENETIC",
    "DIETARY_SUPPLEMENT",
    "COMBINATION_PRODUCT",
    "DIAGNOSTIC_TEST",
    "OTHER",
)
_IV_START = re.compile(r"(?:^|\|)\s*(" + "|".join(INTERVENTION_TYPES) + r")\s*:\s?")


def split_interventions(text: str | None) -> list[tuple[str, str]]:
    """Split an interventions field ``TYPE: name|TYPE: name`` into (type, name) pairs.

    A ``|`` only starts a new intervention when a known TYPE follows it, so a name
    that itself contains ``|`` stays whole. Text before the first TYPE (a field
    without types) becomes one intervention of type OTHER.

    >>> split_interventions("DRUG: anti-PD-1+Albumin-Bound Paclitaxel")
    [('DRUG', 'anti-PD-1+Albumin-Bound Paclitaxel')]
    >>> split_interventions("DRUG: A|B|OTHER: Placebo")
    [('DRUG', 'A|B'), ('OTHER', 'Placebo')]
    """
    text = fold(text)
    if not text:
        return []
    starts = list(_IV_START.finditer(text))
    out: list[tuple[str, str]] = []
    if not starts or starts[0].start() > 0:
        head = text[: starts[0].start()] if starts else text
        if fold(head):
            out.append(("OTHER", fold(head) or ""))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        name = fold(text[m.end() : end])
        if name:
            out.append((m.group(1), name))
    return out


def split_list(text: str | None) -> list[str]:
    """Split a ``|``-separated list field, dropping empty items."""
    text = fold(text)
    if not text:
        return []
    return [t for t in (fold(p) for p in text.split("|")) if t]


def outcomes_from_field(text: str | None, role: str) -> list[Outcome]:
    """Outcomes of one role from a flat/CSV outcome field."""
    from kg.text.outsplit import split_outcomes

    return [
        Outcome(role=role, measure=m, description=d, time_frame=t)
        for m, d, t in split_outcomes(fold(text))
    ]


def sniff(head: bytes, path: Path) -> bool:
    """Plain UTF-8 text that is not JSON, XML or CSV: the flat reader's to judge.

    The flat format has no marker of its own, so this reader is tried last and
    accepts any text; :func:`read` then rejects files without 7 lines per trial
    with a clear reason.
    """
    if not head or b"\x00" in head:
        return False
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if body[:1] in (b"{", b"[", b"<"):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the head limit is still text.
        if exc.start < len(body) - 4:
            return False
    return True


def record_from_lines(lines: list[str], source: Source) -> TrialRecord:
    """Build a record from the seven lines of one trial."""
    title, summary, conditions, interventions, primary, secondary, detailed = (
        lines + [""] * LINES_PER_TRIAL
    )[:LINES_PER_TRIAL]
    return TrialRecord(
        nct_id=None,
        title=fold(title) or "",
        source=source,
        conditions=split_list(conditions),
        interventions=[Intervention(type=t, name=n) for t, n in split_interventions(interventions)],
        outcomes=outcomes_from_field(primary, "primary")
        + outcomes_from_field(secondary, "secondary"),
        brief_summary=fold(summary),
        detailed_description=fold(detailed),
    )


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the trials of one flat file (see module docstring)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Rejection(str(path), "file", f"cannot read file: {exc.strerror or exc}", FORMAT)
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Rejection(
            str(path), "file", f"not UTF-8 text: {exc.reason} at byte {exc.start}", FORMAT
        )
        return
    # Only \n, \r\n and \r end a line here: str.splitlines() would also split on
    # form feeds and unicode separators that may sit inside a field.
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    # Blank lines are legitimate fields (a trial without conditions), so only
    # surplus blank lines past the last whole trial are dropped.
    while len(lines) % LINES_PER_TRIAL and lines and not lines[-1].strip():
        lines.pop()
    if not any(line.strip() for line in lines):
        yield Rejection(str(path), "file", "empty file", FORMAT)
        return
    if len(lines) % LINES_PER_TRIAL:
        yield Rejection(
            str(path),
            "file",
            f"{len(lines)} lines: the flat format has exactly {LINES_PER_TRIAL} lines per trial "
            "(title, summary, conditions, interventions, primary outcomes, secondary outcomes, "
            "description)",
            FORMAT,
        )
        return
    for start in range(0, len(lines), LINES_PER_TRIAL):
        chunk = lines[start : start + LINES_PER_TRIAL]
        position = (
            "file"
            if len(lines) == LINES_PER_TRIAL
            else f"lines {start + 1}-{start + LINES_PER_TRIAL}"
        )
        source = Source(path=str(path), format=FORMAT, position=position)
        if not fold(chunk[0]):
            yield Rejection(str(path), position, "line 1 (title) is empty", FORMAT)
            continue
        try:
            yield record_from_lines(chunk, source)
        except (ValueError, TypeError) as exc:  # defensive: never stop a batch
            yield Rejection(str(path), position, f"malformed trial: {exc}", FORMAT)
