"""The ClinicalTrials.gov website CSV export: any subset of its 30 columns.

The export writes one study per row; list fields are ``|``-separated, outcomes
are ``measure, description, time frame`` (empty parts dropped) joined by ``|``,
interventions ``TYPE: name``, and the design as ``Allocation: X|Masking: Y (...)``.
A byte-order mark is accepted. Rows are streamed; a row with the wrong number of
fields or a bad value becomes a Rejection naming the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.record import Intervention, Rejection, Source, TrialRecord, fold, normalize_phase
from kg.sources.flat import outcomes_from_field, split_interventions, split_list

FORMAT = "ctgov-csv"

COLUMNS = (
    "NCT Number",
    "Study Title",
    "Study URL",
    "Acronym",
    "Study Status",
    "Brief Summary",
    "Study Results",
    "Conditions",
    "Interventions",
    "Primary Outcome Measures",
    "Secondary Outcome Measures",
    "Other Outcome Measures",
    "Sponsor",
    "Collaborators",
    "Sex",
    "Age",
    "Phases",
    "Enrollment",
    "Funder Type",
    "Study Type",
    "Study Design",
    "Other IDs",
    "Start Date",
    "Primary Completion Date",
    "Completion Date",
    "First Posted",
    "Results First Posted",
    "Last Update Posted",
    "Locations",
    "Study Documents",
)
_KNOWN = set(COLUMNS)
# Large but bounded: a hostile 10 MB field reads, a runaway quote cannot eat memory.
FIELD_LIMIT = 32 * 1024 * 1024

# "Study Design" keys -> record.design keys.
_DESIGN_KEYS = {
    "Allocation": "allocation",
    "Intervention Model": "intervention_model",
    "Masking": "masking",
    "Primary Purpose": "primary_purpose",
    "Observational Model": "observational_model",
    "Time Perspective": "time_perspective",
}
_MASKING = re.compile(r"^\s*([A-Z_]+)\s*(?:\((.*)\))?\s*$")
_NCT = re.compile(r"^NCT\d{8}$")


def _header_cells(head: bytes) -> list[str]:
    text = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    first = text.splitlines()[0] if text else ""
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []


def sniff(head: bytes, path: Path) -> bool:
    """True when the header row has at least two of the export's column names."""
    return len(_KNOWN.intersection(_header_cells(head))) >= 2


def parse_design(text: str | None) -> dict[str, Any]:
    """Parse the export's ``Study Design`` cell into record.design keys.

    >>> parse_design("Allocation: NA|Intervention Model: SINGLE_GROUP|Masking: DOUBLE (PARTICIPANT, INVESTIGATOR)")
    {'allocation': 'NA', 'intervention_model': 'SINGLE_GROUP', 'masking': 'DOUBLE', 'who_masked': ['PARTICIPANT', 'INVESTIGATOR']}
    """
    out: dict[str, Any] = {}
    for part in (text or "").split("|"):
        key, sep, value = part.partition(":")
        key, value = key.strip(), fold(value)
        if not sep or key not in _DESIGN_KEYS or not value:
            continue
        if key == "Masking":
            m = _MASKING.match(value)
            if m:
                out["masking"] = m.group(1)
                if m.group(2):
                    out["who_masked"] = [w for w in (fold(x) for x in m.group(2).split(",")) if w]
                continue
        out[_DESIGN_KEYS[key]] = value
    return out


def row_to_record(row: dict[str, str], source: Source) -> TrialRecord:
    """Map one export row (column name -> cell) to a record."""

    def cell(name: str) -> str | None:
        return fold(row.get(name))

    nct = cell("NCT Number")
    if nct is not None and not _NCT.match(nct):
        raise RecordError(f"not an NCT id: {nct[:40]!r}", "NCT Number")
    title = cell("Study Title")
    if not title:
        raise RecordError("empty", "Study Title")
    enrollment = None
    if cell("Enrollment"):
        try:
            enrollment = {"count": int(cell("Enrollment") or ""), "type": None}
        except ValueError as exc:
            raise RecordError(f"not a whole number: {cell('Enrollment')!r}", "Enrollment") from exc
    design = parse_design(row.get("Study Design"))
    if cell("Study Type"):
        design = {"study_type": cell("Study Type"), **design}
    eligibility: dict[str, Any] = {}
    if cell("Sex"):
        eligibility["sex"] = cell("Sex")
    if cell("Age"):
        eligibility["std_ages"] = [
            a for a in (fold(x) for x in (cell("Age") or "").split(",")) if a
        ]
    sponsor = {"name": cell("Sponsor"), "class": cell("Funder Type")} if cell("Sponsor") else None
    phases: list[str] = []
    for p in split_list(row.get("Phases")):
        phases.extend(x for x in normalize_phase(p) if x not in phases)
    outcomes = (
        outcomes_from_field(row.get("Primary Outcome Measures"), "primary")
        + outcomes_from_field(row.get("Secondary Outcome Measures"), "secondary")
        + outcomes_from_field(row.get("Other Outcome Measures"), "other")
    )
    source.record_version = cell("Last Update Posted")
    return TrialRecord(
        nct_id=nct,
        title=title,
        source=source,
        conditions=split_list(row.get("Conditions")),
        interventions=[
            Intervention(type=t, name=n) for t, n in split_interventions(row.get("Interventions"))
        ],
        outcomes=outcomes,
        phases=phases,
        enrollment=enrollment,
        design=design,
        eligibility=eligibility,
        sponsor=sponsor,
        acronym=cell("Acronym"),
        brief_summary=cell("Brief Summary"),
        status=cell("Study Status"),
        start_date=cell("Start Date"),
        completion_date=cell("Completion Date"),
        collaborators=split_list(row.get("Collaborators")),
    )


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the rows of one export file (see module docstring)."""
    csv.field_size_limit(FIELD_LIMIT)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield Rejection(str(path), "file", f"cannot read file: {exc.strerror or exc}", FORMAT)
        return
    with fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            yield Rejection(str(path), "file", "empty file", FORMAT)
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Rejection(str(path), "header", f"unreadable header: {exc}", FORMAT)
            return
        header = [h.strip() for h in header]
        if "Study Title" not in header:
            yield Rejection(
                str(path), "header", "no 'Study Title' column: cannot name the studies", FORMAT
            )
            return
        row_no = 0
        while True:
            row_no += 1
            position = f"row {row_no}"
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                yield Rejection(
                    str(path),
                    position,
                    f"not UTF-8 text: {exc.reason}; rest of file skipped",
                    FORMAT,
                )
                return
            except csv.Error as exc:
                # The csv module cannot resynchronise after a broken quote or an
                # oversized field: report it and stop this file, never silently.
                yield Rejection(
                    str(path), position, f"CSV error: {exc}; rest of file skipped", FORMAT
                )
                return
            if not any(c.strip() for c in cells):
                continue  # blank line: not a record
            if len(cells) != len(header):
                yield Rejection(
                    str(path),
                    position,
                    f"{len(cells)} fields where the header has {len(header)}",
                    FORMAT,
                )
                continue
            source = Source(path=str(path), format=FORMAT, position=position)
            try:
                yield row_to_record(dict(zip(header, cells, strict=True)), source)
            except RecordError as exc:
                yield Rejection(str(path), position, str(exc), FORMAT)
            except (ValueError, TypeError) as exc:  # defensive: never stop a batch
                yield Rejection(str(path), position, f"malformed row: {exc}", FORMAT)
