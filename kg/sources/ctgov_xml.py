"""Legacy ClinicalTrials.gov XML: one ``<clinical_study>`` per file, as in the old bulk download.

Parsing goes through :mod:`defusedxml`: a file that declares an entity (the
"billion laughs" expansion, or an external entity such as ``file:///etc/passwd``)
is refused before anything is expanded or fetched, and becomes a
:class:`~kg.record.Rejection`, as do malformed or truncated files. The legacy
website spellings ("Parallel Assignment", "Double (Participant, Investigator)",
"April 15, 2019") are mapped to the API v2 values the JSON reader gives
(:mod:`kg.sources._common`), so the same study reads the same from either format.

A file whose root is not ``clinical_study`` but wraps several of them is read
study by study (positions ``clinical_study[i]``); the usual one-study file has
position ``file``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from kg.errors import RecordError
from kg.record import (
    Arm,
    Intervention,
    Outcome,
    Rejection,
    Source,
    TrialRecord,
    fold,
    normalize_phase,
)
from kg.sources._common import (
    age_value,
    enrollment_type_value,
    enum_value,
    healthy_volunteers_value,
    intervention_model_value,
    iso_date,
    iso_date_in,
    masking_value,
    primary_purpose_value,
    raw_text,
    sex_value,
    sponsor_class_value,
    status_value,
    strip_bom,
    study_type_value,
)

FORMAT = "ctgov-xml"

# One legacy study is at most a few MB (the largest with results is about 5 MB).
MAX_BYTES = 64 * 1024 * 1024

ROOT = "clinical_study"


def sniff(head: bytes, path: Path) -> bool:
    """True for XML whose head (prolog and all) contains a ``<clinical_study`` element."""
    text = strip_bom(head).lstrip()
    return text[:1] == b"<" and b"<" + ROOT.encode() in text


def _text(el: Element | None, path: str | None = None) -> str | None:
    """Folded text of ``el`` (or of its first descendant at ``path``); None when absent/blank."""
    if el is not None and path:
        el = el.find(path)
    if el is None:
        return None
    return fold("".join(el.itertext()))


def _raw(el: Element | None, path: str) -> str | None:
    """Unfolded text at ``path`` (line structure kept), or None."""
    found = el.find(path) if el is not None else None
    if found is None:
        return None
    return "".join(found.itertext())


def _texts(el: Element, path: str) -> list[str]:
    """Folded, non-empty texts of every element at ``path``, in document order."""
    out = []
    for item in el.findall(path):
        t = _text(item)
        if t:
            out.append(t)
    return out


def _note(notes: list[dict[str, Any]], kind: str, field: str, message: str) -> None:
    notes.append({"kind": kind, "field": field, "message": message})


def _date(el: Element, tag: str, notes: list[dict[str, Any]]) -> str | None:
    text = _text(el, tag)
    iso = iso_date(text)
    if text and iso is None:
        _note(notes, "bad-date", tag, f"not a date: {text!r}")
    return iso


_LEGACY_DESIGN_KEYS = (
    "Allocation",
    "Endpoint Classification",
    "Intervention Model",
    "Masking",
    "Primary Purpose",
    "Observational Model",
    "Time Perspective",
)
_KEYS_RE = "|".join(_LEGACY_DESIGN_KEYS)
_LEGACY_DESIGN = re.compile(rf"({_KEYS_RE}):\s*(.*?)(?=,\s*(?:{_KEYS_RE}):|$)")


def _design_parts(root: Element) -> dict[str, str | None]:
    """Design fields by legacy tag name, from ``study_design_info`` or the pre-2017
    one-line ``study_design`` ("Allocation: Randomized, Masking: Double Blind (...), ...")."""
    info = root.find("study_design_info")
    tags = (
        "allocation",
        "intervention_model",
        "primary_purpose",
        "masking",
        "observational_model",
        "time_perspective",
    )
    if info is not None:
        return {tag: _text(info, tag) for tag in tags}
    line = _text(root, "study_design")
    parts: dict[str, str | None] = dict.fromkeys(tags)
    if line:
        for m in _LEGACY_DESIGN.finditer(line):
            key = m.group(1).lower().replace(" ", "_")
            if key in parts:
                parts[key] = fold(m.group(2))
    return parts


def _design(root: Element) -> dict[str, Any]:
    parts = _design_parts(root)
    masking, who = masking_value(parts["masking"])
    design: dict[str, Any] = {
        "study_type": study_type_value(_text(root, "study_type")),
        "allocation": enum_value(parts["allocation"]),
        "intervention_model": intervention_model_value(parts["intervention_model"]),
        "masking": masking,
        "who_masked": who,
        "primary_purpose": primary_purpose_value(parts["primary_purpose"]),
        "observational_model": enum_value(parts["observational_model"]),
        "time_perspective": enum_value(parts["time_perspective"]),
    }
    return {k: v for k, v in design.items() if v not in (None, [])}


def _enrollment(root: Element) -> dict[str, Any] | None:
    el = root.find("enrollment")
    text = _text(el)
    if el is None or text is None:
        return None
    m = re.fullmatch(r"(\d+)(?:\.0+)?", text.replace(",", ""))
    if m is None:
        raise RecordError(f"not a number: {text!r}", "enrollment")
    count = int(m.group(1))
    return {"count": count, "type": enrollment_type_value(el.get("type"))}


def _outcomes(root: Element) -> list[Outcome]:
    outcomes = []
    for role, tag in (
        ("primary", "primary_outcome"),
        ("secondary", "secondary_outcome"),
        ("other", "other_outcome"),
    ):
        for i, el in enumerate(root.findall(tag)):
            measure = _text(el, "measure")
            if not measure:
                raise RecordError("outcome without a measure", f"{tag}[{i}]/measure")
            outcomes.append(
                Outcome(
                    role=role,
                    measure=measure,
                    description=_text(el, "description"),
                    time_frame=_text(el, "time_frame"),
                )
            )
    return outcomes


def _interventions(root: Element, notes: list[dict[str, Any]]) -> list[Intervention]:
    out = []
    for i, el in enumerate(root.findall("intervention")):
        name = _text(el, "intervention_name")
        if not name:
            _note(notes, "skipped", f"intervention[{i}]", "intervention without a name")
            continue
        itype = enum_value(_text(el, "intervention_type"))
        if itype is None:
            _note(notes, "missing-type", f"intervention[{i}]", f"{name!r} has no type: OTHER")
        out.append(
            Intervention(
                type=itype or "OTHER",
                name=name,
                description=_text(el, "description"),
                other_names=_texts(el, "other_name"),
                arm_labels=_texts(el, "arm_group_label"),
            )
        )
    return out


def _arms(root: Element, notes: list[dict[str, Any]]) -> list[Arm]:
    # Legacy arms do not list their interventions; the interventions name their
    # arms. Rebuild the API v2 form, "Type: name" with the website's type spelling.
    by_label: dict[str, list[str]] = {}
    for el in root.findall("intervention"):
        name = _text(el, "intervention_name")
        if not name:
            continue
        shown = f"{_text(el, 'intervention_type') or 'Other'}: {name}"
        for label in _texts(el, "arm_group_label"):
            by_label.setdefault(label, []).append(shown)
    arms = []
    for i, el in enumerate(root.findall("arm_group")):
        label = _text(el, "arm_group_label")
        if not label:
            _note(notes, "skipped", f"arm_group[{i}]", "arm group without a label")
            continue
        arms.append(
            Arm(
                label=label,
                type=enum_value(_text(el, "arm_group_type")),
                description=_text(el, "description"),
                interventions=by_label.get(label, []),
            )
        )
    return arms


def _eligibility(root: Element) -> dict[str, Any]:
    el = root.find("eligibility")
    if el is None:
        return {}
    out: dict[str, Any] = {}
    raw = _raw(el, "criteria/textblock")
    if raw is None:
        raw = _raw(el, "criteria")
    if raw is not None and raw.strip():
        out["criteria_text"] = fold(raw)
        out["criteria_text_raw"] = raw_text(raw)
    values = {
        "sex": sex_value(_text(el, "gender")),
        "minimum_age": age_value(_text(el, "minimum_age")),
        "maximum_age": age_value(_text(el, "maximum_age")),
        "healthy_volunteers": healthy_volunteers_value(_text(el, "healthy_volunteers")),
    }
    out.update({k: v for k, v in values.items() if v is not None})
    return out


def _mesh(root: Element, path: str) -> list[dict[str, Any]]:
    # The legacy XML carries MeSH terms without their descriptor ids.
    return [{"id": None, "term": t} for t in _texts(root, path)]


def _record_version(root: Element) -> str | None:
    download = _text(root, "required_header/download_date")
    for candidate in (
        iso_date_in(download),
        iso_date(_text(root, "last_update_posted")),
        iso_date(_text(root, "lastchanged_date")),
    ):
        if candidate:
            return candidate
    return download


def study_to_record(root: Element, source: Source) -> TrialRecord:
    """Map one ``<clinical_study>`` element to a :class:`TrialRecord`.

    Raises :class:`RecordError` naming the element when the study is unusable
    (no title at all, an outcome without a measure, a non-numeric enrollment).
    """
    notes: list[dict[str, Any]] = []
    nct = _text(root, "id_info/nct_id")
    if not nct:
        _note(notes, "missing-nct-id", "id_info/nct_id", "no NCT id in the file")
    brief = _text(root, "brief_title")
    official = _text(root, "official_title")
    title = brief or official
    if not title:
        raise RecordError("no brief_title nor official_title", "brief_title")
    if not brief:
        _note(notes, "missing-title", "brief_title", "no brief_title: official_title used")

    phase_text = _text(root, "phase")
    phases = normalize_phase(phase_text)
    if phase_text and not phases:
        _note(notes, "unknown-phase", "phase", f"unrecognised phase {phase_text!r}")

    lead = root.find("sponsors/lead_sponsor")
    sponsor = None
    if _text(lead, "agency"):
        sponsor = {
            "name": _text(lead, "agency"),
            "class": sponsor_class_value(_text(lead, "agency_class")),
        }

    source.record_version = _record_version(root)
    return TrialRecord(
        nct_id=nct,
        title=title,
        source=source,
        conditions=_texts(root, "condition"),
        interventions=_interventions(root, notes),
        outcomes=_outcomes(root),
        phases=phases,
        enrollment=_enrollment(root),
        design=_design(root),
        eligibility=_eligibility(root),
        arms=_arms(root, notes),
        sponsor=sponsor,
        official_title=official,
        acronym=_text(root, "acronym"),
        brief_summary=_text(root, "brief_summary/textblock") or _text(root, "brief_summary"),
        detailed_description=_text(root, "detailed_description/textblock")
        or _text(root, "detailed_description"),
        status=status_value(_text(root, "overall_status")),
        start_date=_date(root, "start_date", notes),
        completion_date=_date(root, "completion_date", notes),
        keywords=_texts(root, "keyword"),
        collaborators=_texts(root, "sponsors/collaborator/agency"),
        condition_mesh=_mesh(root, "condition_browse/mesh_term"),
        intervention_mesh=_mesh(root, "intervention_browse/mesh_term"),
        notes=notes,
    )


def _refusal(exc: DefusedXmlException) -> str:
    if isinstance(exc, EntitiesForbidden):
        target = f" (system id {exc.sysid!r})" if exc.sysid else ""
        return (
            f"refused: the file declares the XML entity {exc.name!r}{target}; entity "
            "declarations are never expanded or fetched (entity-expansion / external-entity attack)"
        )
    if isinstance(exc, ExternalReferenceForbidden):
        return f"refused: external reference {exc.sysid!r} is never fetched"
    if isinstance(exc, DTDForbidden):
        return "refused: document type declarations are not allowed"
    return f"refused: unsafe XML ({exc})"


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the study (or studies) of one legacy XML file (see module docstring)."""
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            yield Rejection(
                where, "file", f"file is {size} bytes, over the {MAX_BYTES}-byte limit", FORMAT
            )
            return
        with open(path, "rb") as fh:
            root = SafeET.parse(
                fh, forbid_dtd=False, forbid_entities=True, forbid_external=True
            ).getroot()
    except DefusedXmlException as exc:
        yield Rejection(where, "file", _refusal(exc), FORMAT)
        return
    except ParseError as exc:
        yield Rejection(where, "file", f"not well-formed XML: {exc}", FORMAT)
        return
    except OSError as exc:
        yield Rejection(where, "file", f"cannot read file: {exc.strerror or exc}", FORMAT)
        return

    if root.tag == ROOT:
        studies = [(root, "file")]
    else:
        children = root.findall(ROOT)
        if not children:
            yield Rejection(where, "file", f"root element is <{root.tag}>, not <{ROOT}>", FORMAT)
            return
        studies = [(el, f"{ROOT}[{i}]") for i, el in enumerate(children)]

    for el, position in studies:
        source = Source(path=where, format=FORMAT, position=position)
        try:
            yield study_to_record(el, source)
        except RecordError as exc:
            yield Rejection(where, position, str(exc), FORMAT)
        except (TypeError, ValueError, AttributeError) as exc:  # defensive: never stop a batch
            yield Rejection(where, position, f"malformed study: {exc}", FORMAT)
