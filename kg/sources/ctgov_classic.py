"""The retired ClinicalTrials.gov "classic" API JSON (``/api/query/full_studies``).

Shape: ``{"FullStudiesResponse": {"FullStudies": [{"Rank": 1, "Study":
{"ProtocolSection": {...}, "DerivedSection": {...}}}, ...]}}``, with PascalCase
keys (``IdentificationModule.NCTId``, ``DesignModule.PhaseList.Phase`` ...) and the
website's spellings for enumerations ("Parallel Assignment", "Anticipated",
"March 3, 2021"). Both a single-study answer and a search page have this shape.
Values are mapped to the API v2 spellings (:mod:`kg.sources._common`) so the same
study gives the same record as from the v2 JSON reader.

Files are decoded whole (the API returned at most 100 studies a page); each study
maps independently, so one malformed study becomes a Rejection at
``FullStudies[i]`` and the rest of the file still reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    masking_value,
    primary_purpose_value,
    raw_text,
    sex_value,
    sponsor_class_value,
    status_value,
    strip_bom,
    study_type_value,
    who_masked_value,
)

FORMAT = "ctgov-classic-json"

ROOT = "FullStudiesResponse"


def sniff(head: bytes, path: Path) -> bool:
    """True for a JSON object whose head mentions ``"FullStudiesResponse"``."""
    text = strip_bom(head).lstrip()
    return text[:1] == b"{" and b'"' + ROOT.encode() + b'"' in text


# -- typed access: a wrong type raises RecordError naming the field ----------------


def _dict(obj: Any, name: str) -> dict[str, Any]:
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise RecordError(f"expected an object, got {type(obj).__name__}", name)
    return obj


def _get(obj: dict[str, Any], dotted: str, prefix: str = "") -> Any:
    """The value at a dotted path of nested objects, or None when a step is absent."""
    cur: Any = obj
    walked = prefix
    for key in dotted.split("."):
        cur = _dict(cur, walked or "study")
        cur = cur.get(key)
        walked = f"{walked}.{key}" if walked else key
        if cur is None:
            return None
    return cur


def _list(obj: Any, name: str) -> list[Any]:
    if obj is None:
        return []
    if not isinstance(obj, list):
        raise RecordError(f"expected a list, got {type(obj).__name__}", name)
    return obj


def _text(obj: Any, name: str) -> str | None:
    if isinstance(obj, (dict, list)):
        raise RecordError(f"expected text, got {type(obj).__name__}", name)
    return fold(obj)


def _texts(obj: Any, name: str) -> list[str]:
    out = []
    for i, item in enumerate(_list(obj, name)):
        t = _text(item, f"{name}[{i}]")
        if t:
            out.append(t)
    return out


def _note(notes: list[dict[str, Any]], kind: str, field: str, message: str) -> None:
    notes.append({"kind": kind, "field": field, "message": message})


# -- one study ---------------------------------------------------------------------


def _date(module: dict[str, Any], dotted: str, notes: list[dict[str, Any]]) -> str | None:
    text = _text(_get(module, dotted, "StatusModule"), "StatusModule." + dotted)
    iso = iso_date(text)
    if text and iso is None:
        _note(notes, "bad-date", "StatusModule." + dotted, f"not a date: {text!r}")
    return iso


def _design(dm: dict[str, Any]) -> dict[str, Any]:
    p = "DesignModule.DesignInfo"
    info = _dict(dm.get("DesignInfo"), p)
    masking_info = _dict(info.get("DesignMaskingInfo"), p + ".DesignMaskingInfo")
    masking, _ = masking_value(
        _text(masking_info.get("DesignMasking"), p + ".DesignMaskingInfo.DesignMasking")
    )
    who = []
    for w in _texts(
        _get(masking_info, "DesignWhoMaskedList.DesignWhoMasked", p + ".DesignMaskingInfo"),
        p + ".DesignMaskingInfo.DesignWhoMaskedList.DesignWhoMasked",
    ):
        v = who_masked_value(w)
        if v and v not in who:
            who.append(v)
    # v2 has one observational model and one time perspective; classic lists them.
    obs = _texts(
        _get(info, "DesignObservationalModelList.DesignObservationalModel", p),
        p + ".DesignObservationalModelList.DesignObservationalModel",
    )
    persp = _texts(
        _get(info, "DesignTimePerspectiveList.DesignTimePerspective", p),
        p + ".DesignTimePerspectiveList.DesignTimePerspective",
    )
    design: dict[str, Any] = {
        "study_type": study_type_value(_text(dm.get("StudyType"), "DesignModule.StudyType")),
        "allocation": enum_value(_text(info.get("DesignAllocation"), p + ".DesignAllocation")),
        "intervention_model": intervention_model_value(
            _text(info.get("DesignInterventionModel"), p + ".DesignInterventionModel")
        ),
        "masking": masking,
        "who_masked": who,
        "primary_purpose": primary_purpose_value(
            _text(info.get("DesignPrimaryPurpose"), p + ".DesignPrimaryPurpose")
        ),
        "observational_model": enum_value(obs[0]) if obs else None,
        "time_perspective": enum_value(persp[0]) if persp else None,
    }
    return {k: v for k, v in design.items() if v not in (None, [])}


def _enrollment(dm: dict[str, Any]) -> dict[str, Any] | None:
    info = _dict(dm.get("EnrollmentInfo"), "DesignModule.EnrollmentInfo")
    count = info.get("EnrollmentCount")
    if count is None or count == "":
        return None
    field = "DesignModule.EnrollmentInfo.EnrollmentCount"
    if isinstance(count, bool) or not isinstance(count, (int, str)):
        raise RecordError(f"not a number: {count!r}", field)
    m = re.fullmatch(r"\s*(\d+)\s*", str(count))
    if m is None:
        raise RecordError(f"not a number: {count!r}", field)
    etype = _text(info.get("EnrollmentType"), "DesignModule.EnrollmentInfo.EnrollmentType")
    return {"count": int(m.group(1)), "type": enrollment_type_value(etype)}


def _outcomes(om: dict[str, Any]) -> list[Outcome]:
    out = []
    for role, kind in (("primary", "Primary"), ("secondary", "Secondary"), ("other", "Other")):
        key = f"{kind}Outcome"
        items = _list(_get(om, f"{key}List.{key}", "OutcomesModule"), f"OutcomesModule.{key}List")
        for i, oc in enumerate(items):
            f = f"OutcomesModule.{key}List.{key}[{i}]"
            oc = _dict(oc, f)
            measure = _text(oc.get(f"{key}Measure"), f"{f}.{key}Measure")
            if not measure:
                raise RecordError("outcome without a measure", f"{f}.{key}Measure")
            out.append(
                Outcome(
                    role=role,
                    measure=measure,
                    description=_text(oc.get(f"{key}Description"), f"{f}.{key}Description"),
                    time_frame=_text(oc.get(f"{key}TimeFrame"), f"{f}.{key}TimeFrame"),
                )
            )
    return out


def _interventions(am: dict[str, Any], notes: list[dict[str, Any]]) -> list[Intervention]:
    out = []
    p = "ArmsInterventionsModule.InterventionList.Intervention"
    for i, iv in enumerate(
        _list(_get(am, "InterventionList.Intervention", "ArmsInterventionsModule"), p)
    ):
        f = f"{p}[{i}]"
        iv = _dict(iv, f)
        name = _text(iv.get("InterventionName"), f + ".InterventionName")
        if not name:
            _note(notes, "skipped", f, "intervention without a name")
            continue
        itype = enum_value(_text(iv.get("InterventionType"), f + ".InterventionType"))
        if itype is None:
            _note(notes, "missing-type", f, f"{name!r} has no type: OTHER")
        out.append(
            Intervention(
                type=itype or "OTHER",
                name=name,
                description=_text(
                    iv.get("InterventionDescription"), f + ".InterventionDescription"
                ),
                other_names=_texts(
                    _get(iv, "InterventionOtherNameList.InterventionOtherName", f),
                    f + ".InterventionOtherNameList.InterventionOtherName",
                ),
                arm_labels=_texts(
                    _get(iv, "InterventionArmGroupLabelList.InterventionArmGroupLabel", f),
                    f + ".InterventionArmGroupLabelList.InterventionArmGroupLabel",
                ),
            )
        )
    return out


def _arms(am: dict[str, Any], notes: list[dict[str, Any]]) -> list[Arm]:
    out = []
    p = "ArmsInterventionsModule.ArmGroupList.ArmGroup"
    for i, ag in enumerate(_list(_get(am, "ArmGroupList.ArmGroup", "ArmsInterventionsModule"), p)):
        f = f"{p}[{i}]"
        ag = _dict(ag, f)
        label = _text(ag.get("ArmGroupLabel"), f + ".ArmGroupLabel")
        if not label:
            _note(notes, "skipped", f, "arm group without a label")
            continue
        out.append(
            Arm(
                label=label,
                type=enum_value(_text(ag.get("ArmGroupType"), f + ".ArmGroupType")),
                description=_text(ag.get("ArmGroupDescription"), f + ".ArmGroupDescription"),
                interventions=_texts(
                    _get(ag, "ArmGroupInterventionList.ArmGroupInterventionName", f),
                    f + ".ArmGroupInterventionList.ArmGroupInterventionName",
                ),
            )
        )
    return out


def _eligibility(em: dict[str, Any]) -> dict[str, Any]:
    p = "EligibilityModule"
    out: dict[str, Any] = {}
    raw = em.get("EligibilityCriteria")
    if raw is not None:
        if not isinstance(raw, str):
            raise RecordError("expected text", p + ".EligibilityCriteria")
        if raw.strip():
            out["criteria_text"] = fold(raw)
            out["criteria_text_raw"] = raw_text(raw)
    values = {
        "sex": sex_value(_text(em.get("Gender"), p + ".Gender")),
        "minimum_age": age_value(_text(em.get("MinimumAge"), p + ".MinimumAge")),
        "maximum_age": age_value(_text(em.get("MaximumAge"), p + ".MaximumAge")),
        "healthy_volunteers": healthy_volunteers_value(
            _text(em.get("HealthyVolunteers"), p + ".HealthyVolunteers")
        ),
    }
    out.update({k: v for k, v in values.items() if v is not None})
    ages = [
        enum_value(a) for a in _texts(_get(em, "StdAgeList.StdAge", p), p + ".StdAgeList.StdAge")
    ]
    if ages:
        out["std_ages"] = ages
    return out


def _mesh(derived: dict[str, Any], module: str, kind: str) -> list[dict[str, Any]]:
    p = f"DerivedSection.{module}.{kind}MeshList.{kind}Mesh"
    out = []
    for i, m in enumerate(
        _list(_get(derived, f"{module}.{kind}MeshList.{kind}Mesh", "DerivedSection"), p)
    ):
        m = _dict(m, f"{p}[{i}]")
        mid = _text(m.get(f"{kind}MeshId"), f"{p}[{i}].{kind}MeshId")
        term = _text(m.get(f"{kind}MeshTerm"), f"{p}[{i}].{kind}MeshTerm")
        if mid or term:
            out.append({"id": mid, "term": term})
    return out


def study_to_record(item: Any, source: Source) -> TrialRecord:
    """Map one ``FullStudies[i]`` item (``{"Rank": ..., "Study": {...}}``) to a record.

    Raises :class:`RecordError` naming the field when the study is malformed.
    """
    item = _dict(item, "FullStudies[]")
    study = _dict(item.get("Study"), "Study")
    ps = _dict(study.get("ProtocolSection"), "Study.ProtocolSection")
    if not ps:
        raise RecordError("missing", "Study.ProtocolSection")
    derived = _dict(study.get("DerivedSection"), "Study.DerivedSection")
    notes: list[dict[str, Any]] = []

    ident = _dict(ps.get("IdentificationModule"), "IdentificationModule")
    nct = _text(ident.get("NCTId"), "IdentificationModule.NCTId")
    if not nct:
        _note(notes, "missing-nct-id", "IdentificationModule.NCTId", "no NCT id")
    brief = _text(ident.get("BriefTitle"), "IdentificationModule.BriefTitle")
    official = _text(ident.get("OfficialTitle"), "IdentificationModule.OfficialTitle")
    title = brief or official
    if not title:
        raise RecordError("no BriefTitle nor OfficialTitle", "IdentificationModule.BriefTitle")
    if not brief:
        _note(notes, "missing-title", "IdentificationModule.BriefTitle", "OfficialTitle used")

    status = _dict(ps.get("StatusModule"), "StatusModule")
    desc = _dict(ps.get("DescriptionModule"), "DescriptionModule")
    cond = _dict(ps.get("ConditionsModule"), "ConditionsModule")
    dm = _dict(ps.get("DesignModule"), "DesignModule")
    am = _dict(ps.get("ArmsInterventionsModule"), "ArmsInterventionsModule")
    om = _dict(ps.get("OutcomesModule"), "OutcomesModule")
    em = _dict(ps.get("EligibilityModule"), "EligibilityModule")
    sm = _dict(ps.get("SponsorCollaboratorsModule"), "SponsorCollaboratorsModule")

    phase_texts = _texts(_get(dm, "PhaseList.Phase", "DesignModule"), "DesignModule.PhaseList")
    phases: list[str] = []
    for t in phase_texts:
        found = normalize_phase(t)
        if not found:
            _note(notes, "unknown-phase", "DesignModule.PhaseList.Phase", f"unrecognised {t!r}")
        phases.extend(p for p in found if p not in phases)

    lead = _dict(sm.get("LeadSponsor"), "SponsorCollaboratorsModule.LeadSponsor")
    sponsor = None
    lead_name = _text(lead.get("LeadSponsorName"), "LeadSponsor.LeadSponsorName")
    if lead_name:
        sponsor = {
            "name": lead_name,
            "class": sponsor_class_value(
                _text(lead.get("LeadSponsorClass"), "LeadSponsor.LeadSponsorClass")
            ),
        }
    collaborators = []
    p = "SponsorCollaboratorsModule.CollaboratorList.Collaborator"
    for i, c in enumerate(
        _list(_get(sm, "CollaboratorList.Collaborator", "SponsorCollaboratorsModule"), p)
    ):
        name = _text(_dict(c, f"{p}[{i}]").get("CollaboratorName"), f"{p}[{i}].CollaboratorName")
        if name:
            collaborators.append(name)

    version_text = _text(
        _get(derived, "MiscInfoModule.VersionHolder", "DerivedSection"),
        "DerivedSection.MiscInfoModule.VersionHolder",
    )
    last_update = _text(
        _get(status, "LastUpdatePostDateStruct.LastUpdatePostDate", "StatusModule"),
        "StatusModule.LastUpdatePostDateStruct.LastUpdatePostDate",
    )
    source.record_version = iso_date(version_text) or iso_date(last_update) or version_text

    return TrialRecord(
        nct_id=nct,
        title=title,
        source=source,
        conditions=_texts(
            _get(cond, "ConditionList.Condition", "ConditionsModule"),
            "ConditionsModule.ConditionList",
        ),
        interventions=_interventions(am, notes),
        outcomes=_outcomes(om),
        phases=phases,
        enrollment=_enrollment(dm),
        design=_design(dm),
        eligibility=_eligibility(em),
        arms=_arms(am, notes),
        sponsor=sponsor,
        official_title=official,
        acronym=_text(ident.get("Acronym"), "IdentificationModule.Acronym"),
        brief_summary=_text(desc.get("BriefSummary"), "DescriptionModule.BriefSummary"),
        detailed_description=_text(
            desc.get("DetailedDescription"), "DescriptionModule.DetailedDescription"
        ),
        status=status_value(_text(status.get("OverallStatus"), "StatusModule.OverallStatus")),
        start_date=_date(status, "StartDateStruct.StartDate", notes),
        completion_date=_date(status, "CompletionDateStruct.CompletionDate", notes),
        keywords=_texts(
            _get(cond, "KeywordList.Keyword", "ConditionsModule"), "ConditionsModule.KeywordList"
        ),
        collaborators=collaborators,
        condition_mesh=_mesh(derived, "ConditionBrowseModule", "Condition"),
        intervention_mesh=_mesh(derived, "InterventionBrowseModule", "Intervention"),
        notes=notes,
    )


# -- the file ----------------------------------------------------------------------


def _full_studies(doc: Any) -> list[Any]:
    """The ``FullStudies`` list of a decoded document (empty for a search with no hits)."""
    if not isinstance(doc, dict) or not isinstance(doc.get(ROOT), dict):
        raise RecordError("not a classic API answer (no FullStudiesResponse object)", ROOT)
    resp = doc[ROOT]
    studies = resp.get("FullStudies")
    if studies is None:
        if resp.get("NStudiesReturned") in (0, "0") or resp.get("NStudiesFound") in (0, "0"):
            return []
        raise RecordError("missing", f"{ROOT}.FullStudies")
    if not isinstance(studies, list):
        raise RecordError(f"expected a list, got {type(studies).__name__}", f"{ROOT}.FullStudies")
    return studies


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the studies of one classic API JSON file (see module docstring)."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        doc = json.loads(data.decode("utf-8-sig"))
    except OSError as exc:
        yield Rejection(where, "file", f"cannot read file: {exc.strerror or exc}", FORMAT)
        return
    except UnicodeDecodeError as exc:
        yield Rejection(where, "file", f"not UTF-8 text: {exc.reason} at byte {exc.start}", FORMAT)
        return
    except json.JSONDecodeError as exc:
        yield Rejection(
            where,
            "file",
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            FORMAT,
        )
        return
    except RecursionError:
        yield Rejection(where, "file", "invalid JSON: nested too deeply", FORMAT)
        return
    try:
        studies = _full_studies(doc)
    except RecordError as exc:
        yield Rejection(where, "file", str(exc), FORMAT)
        return
    for i, item in enumerate(studies):
        position = f"FullStudies[{i}]"
        source = Source(path=where, format=FORMAT, position=position)
        try:
            yield study_to_record(item, source)
        except RecordError as exc:
            yield Rejection(where, position, str(exc), FORMAT)
        except (TypeError, ValueError, AttributeError) as exc:  # defensive: never stop a batch
            yield Rejection(where, position, f"malformed study: {exc}", FORMAT)
