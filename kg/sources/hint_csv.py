"""The HINT clinical-trial-outcome benchmark CSV (futianfan/clinical-trial-outcome-prediction).

Header ``nctid,status,why_stop,label,phase,diseases,icdcodes,drugs,smiless,criteria``.
``diseases`` and ``drugs`` are Python list literals (``['breast cancer']``), parsed
with :func:`ast.literal_eval` (literals only, never code); ``criteria`` is the
legacy XML eligibility textblock, kept folded and raw. The ``icdcodes`` and
``smiless`` columns were derived by the benchmark's authors and are unreliable:
they are not read. There is no title column: records get ``title = ""`` and a
``missing-title`` note.

Rows stream one at a time (``row N`` is the 1-based data row, header excluded);
a row whose list literal does not parse becomes a Rejection naming the field.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.record import Intervention, Rejection, Source, TrialRecord, fold, normalize_phase
from kg.sources._common import raw_text, status_value, strip_bom, unique

FORMAT = "hint-csv"

# The longest criteria text in the benchmark is about 18 KB; 16 MB bounds a
# runaway quoted field without refusing any real row.
FIELD_LIMIT = 16 * 1024 * 1024
# A list literal longer than this is not a list of names: refuse it before parsing.
LITERAL_LIMIT = 1024 * 1024

REQUIRED = ("nctid", "criteria")
_NCT = re.compile(r"^NCT\d{8}$")


def sniff(head: bytes, path: Path) -> bool:
    """True when the header line starts with ``nctid,`` and names a ``criteria`` column."""
    first = strip_bom(head).split(b"\n", 1)[0].strip().lower()
    return first.startswith(b"nctid,") and b"criteria" in first.split(b",")


def _list_literal(text: str | None, field: str) -> list[str]:
    """Parse a Python list-of-strings literal safely; RecordError naming ``field`` if not one."""
    if text is None or not text.strip():
        return []
    if len(text) > LITERAL_LIMIT:
        raise RecordError(f"list literal of {len(text)} characters is too long", field)
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) and exc.msg else type(exc).__name__
        raise RecordError(f"not a Python list literal ({detail}): {text[:80]!r}", field) from exc
    if not isinstance(value, (list, tuple)):
        raise RecordError(f"expected a list, got {type(value).__name__}: {text[:80]!r}", field)
    out = []
    for item in value:
        if not isinstance(item, str):
            raise RecordError(f"expected a list of text, found {type(item).__name__}", field)
        out.append(item)
    return out


def row_to_record(row: dict[str | None, Any], source: Source) -> TrialRecord:
    """Map one CSV row (a ``csv.DictReader`` dict) to a :class:`TrialRecord`.

    Raises :class:`RecordError` naming the field when the row is unusable.
    """
    named = [k for k in row if k is not None]
    missing = sum(1 for k in named if row[k] is None)
    extra = len(row.get(None) or [])
    if missing or extra:
        have = len(named) - missing + extra
        raise RecordError(f"row has {have} fields, the header has {len(named)}")
    nct = fold(row.get("nctid"))
    if not nct:
        raise RecordError("missing", "nctid")
    if not _NCT.match(nct):
        raise RecordError(f"not an NCT id: {nct[:40]!r}", "nctid")
    conditions = [fold(d) for d in _list_literal(row.get("diseases"), "diseases")]
    drugs = unique(_list_literal(row.get("drugs"), "drugs"))

    notes: list[dict[str, Any]] = [
        {"kind": "missing-title", "message": "HINT CSV has no title column"}
    ]
    phase_text = fold(row.get("phase"))
    phases = normalize_phase(phase_text)
    if phase_text and not phases:
        notes.append(
            {"kind": "unknown-phase", "field": "phase", "message": f"unrecognised {phase_text!r}"}
        )

    eligibility: dict[str, Any] = {}
    criteria = row.get("criteria")
    if isinstance(criteria, str) and criteria.strip():
        eligibility["criteria_text"] = fold(criteria)
        eligibility["criteria_text_raw"] = raw_text(criteria)

    return TrialRecord(
        nct_id=nct,
        title="",
        source=source,
        conditions=[c for c in conditions if c],
        interventions=[Intervention(type="DRUG", name=name) for name in drugs],
        phases=phases,
        eligibility=eligibility,
        status=status_value(row.get("status")),
        notes=notes,
    )


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the rows of one HINT CSV file (see module docstring)."""
    where = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        yield Rejection(where, "file", f"cannot read file: {exc.strerror or exc}", FORMAT)
        return
    with fh:
        reader = csv.DictReader(fh)
        n = 0
        try:
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                yield Rejection(
                    where, "file", f"not a HINT CSV: no {', '.join(missing)} column", FORMAT
                )
                return
            for n, row in enumerate(reader, start=1):
                position = f"row {n}"
                source = Source(path=where, format=FORMAT, position=position)
                try:
                    yield row_to_record(row, source)
                except RecordError as exc:
                    yield Rejection(where, position, str(exc), FORMAT)
        except UnicodeDecodeError as exc:
            yield Rejection(
                where,
                f"row {n + 1}",
                f"not UTF-8 text: {exc.reason}; the rest of the file is not read",
                FORMAT,
            )
        except csv.Error as exc:
            yield Rejection(
                where,
                f"row {n + 1}",
                f"CSV error: {exc}; the rest of the file is not read",
                FORMAT,
            )
