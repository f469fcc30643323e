"""ClinicalTrials.gov API v2 JSON: one study, a list of studies, or a ``/studies`` page.

A ``/studies`` page is ``{"studies": [...], "nextPageToken": ...}``; a single
study is ``{"protocolSection": ..., "derivedSection": ...}``; a list is a JSON
array of studies. Files are decoded whole (API pages are at most a few MB); each
study maps independently, so one malformed study becomes a Rejection and the
rest of the file still reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.record import PHASES, Arm, Intervention, Outcome, Rejection, Source, TrialRecord, fold

FORMAT = "ctgov-json"


def sniff(head: bytes, path: Path) -> bool:
    """True for JSON whose head mentions ``protocolSection`` (API v2 field names)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text[:1] in (b"{", b"[") and b'"protocolSection"' in head


def _dict(obj: Any, name: str) -> dict[str, Any]:
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise RecordError(f"expected an object, got {type(obj).__name__}", name)
    return obj


def _list(obj: Any, name: str) -> list[Any]:
    if obj is None:
        return []
    if not isinstance(obj, list):
        raise RecordError(f"expected a list, got {type(obj).__name__}", name)
    return obj


def _strs(obj: Any, name: str) -> list[str]:
    out = []
    for item in _list(obj, name):
        if isinstance(item, (dict, list)):
            raise RecordError(f"expected text items, got {type(item).__name__}", name)
        t = fold(item)
        if t:
            out.append(t)
    return out


def _text(obj: Any, name: str) -> str | None:
    if isinstance(obj, (dict, list)):
        raise RecordError(f"expected text, got {type(obj).__name__}", name)
    return fold(obj)


def _meshes(module: dict[str, Any], name: str) -> list[dict[str, str]]:
    out = []
    for m in _list(module.get("meshes"), name + ".meshes"):
        m = _dict(m, name + ".meshes[]")
        mid, term = _text(m.get("id"), name + ".meshes[].id"), _text(m.get("term"), name)
        if mid or term:
            out.append({"id": mid, "term": term})
    return out


def study_to_record(study: Any, source: Source) -> TrialRecord:
    """Map one API v2 study object to a :class:`TrialRecord`.

    Raises :class:`RecordError` naming the field when the study is malformed.
    """
    study = _dict(study, "study")
    ps = _dict(study.get("protocolSection"), "protocolSection")
    if not ps:
        raise RecordError("missing", "protocolSection")
    ident = _dict(ps.get("identificationModule"), "identificationModule")
    nct = _text(ident.get("nctId"), "identificationModule.nctId")
    title = _text(ident.get("briefTitle"), "identificationModule.briefTitle") or _text(
        ident.get("officialTitle"), "identificationModule.officialTitle"
    )
    if not title:
        raise RecordError("no briefTitle nor officialTitle", "identificationModule.briefTitle")

    status = _dict(ps.get("statusModule"), "statusModule")
    desc = _dict(ps.get("descriptionModule"), "descriptionModule")
    cond = _dict(ps.get("conditionsModule"), "conditionsModule")
    design = _dict(ps.get("designModule"), "designModule")
    arms_mod = _dict(ps.get("armsInterventionsModule"), "armsInterventionsModule")
    outcomes_mod = _dict(ps.get("outcomesModule"), "outcomesModule")
    elig = _dict(ps.get("eligibilityModule"), "eligibilityModule")
    sponsors = _dict(ps.get("sponsorCollaboratorsModule"), "sponsorCollaboratorsModule")
    derived = _dict(study.get("derivedSection"), "derivedSection")

    interventions = []
    for i, iv in enumerate(_list(arms_mod.get("interventions"), "interventions")):
        f = f"armsInterventionsModule.interventions[{i}]"
        iv = _dict(iv, f)
        name = _text(iv.get("name"), f + ".name")
        if not name:
            continue
        interventions.append(
            Intervention(
                type=(_text(iv.get("type"), f + ".type") or "OTHER").upper(),
                name=name,
                description=_text(iv.get("description"), f + ".description"),
                other_names=_strs(iv.get("otherNames"), f + ".otherNames"),
                arm_labels=_strs(iv.get("armGroupLabels"), f + ".armGroupLabels"),
            )
        )

    arms = []
    for i, ag in enumerate(_list(arms_mod.get("armGroups"), "armGroups")):
        f = f"armsInterventionsModule.armGroups[{i}]"
        ag = _dict(ag, f)
        label = _text(ag.get("label"), f + ".label")
        if not label:
            continue
        arms.append(
            Arm(
                label=label,
                type=_text(ag.get("type"), f + ".type"),
                description=_text(ag.get("description"), f + ".description"),
                interventions=_strs(ag.get("interventionNames"), f + ".interventionNames"),
            )
        )

    outcomes = []
    for role, key in (
        ("primary", "primaryOutcomes"),
        ("secondary", "secondaryOutcomes"),
        ("other", "otherOutcomes"),
    ):
        for i, oc in enumerate(_list(outcomes_mod.get(key), key)):
            f = f"outcomesModule.{key}[{i}]"
            oc = _dict(oc, f)
            measure = _text(oc.get("measure"), f + ".measure")
            if not measure:
                raise RecordError("outcome without a measure", f + ".measure")
            outcomes.append(
                Outcome(
                    role=role,
                    measure=measure,
                    description=_text(oc.get("description"), f + ".description"),
                    time_frame=_text(oc.get("timeFrame"), f + ".timeFrame"),
                )
            )

    design_info = _dict(design.get("designInfo"), "designModule.designInfo")
    masking = _dict(design_info.get("maskingInfo"), "designInfo.maskingInfo")
    design_out = {
        "study_type": _text(design.get("studyType"), "designModule.studyType"),
        "allocation": _text(design_info.get("allocation"), "designInfo.allocation"),
        "intervention_model": _text(
            design_info.get("interventionModel"), "designInfo.interventionModel"
        ),
        "masking": _text(masking.get("masking"), "maskingInfo.masking"),
        "who_masked": _strs(masking.get("whoMasked"), "maskingInfo.whoMasked"),
        "primary_purpose": _text(design_info.get("primaryPurpose"), "designInfo.primaryPurpose"),
        "observational_model": _text(
            design_info.get("observationalModel"), "designInfo.observationalModel"
        ),
        "time_perspective": _text(design_info.get("timePerspective"), "designInfo.timePerspective"),
    }
    design_out = {k: v for k, v in design_out.items() if v not in (None, [])}

    enrollment = None
    einfo = _dict(design.get("enrollmentInfo"), "designModule.enrollmentInfo")
    if einfo.get("count") is not None:
        count = einfo.get("count")
        if isinstance(count, bool) or not isinstance(count, (int, float, str)):
            raise RecordError(f"not a number: {count!r}", "enrollmentInfo.count")
        try:
            count_i = int(count)
        except ValueError as exc:
            raise RecordError(f"not a number: {count!r}", "enrollmentInfo.count") from exc
        enrollment = {"count": count_i, "type": _text(einfo.get("type"), "enrollmentInfo.type")}

    eligibility: dict[str, Any] = {}
    raw = elig.get("eligibilityCriteria")
    if raw is not None:
        if not isinstance(raw, str):
            raise RecordError("expected text", "eligibilityModule.eligibilityCriteria")
        eligibility["criteria_text"] = fold(raw)
        eligibility["criteria_text_raw"] = raw
    for key, out in (("sex", "sex"), ("minimumAge", "minimum_age"), ("maximumAge", "maximum_age")):
        v = _text(elig.get(key), "eligibilityModule." + key)
        if v:
            eligibility[out] = v
    hv = elig.get("healthyVolunteers")
    if isinstance(hv, bool):
        eligibility["healthy_volunteers"] = hv
    std_ages = _strs(elig.get("stdAges"), "eligibilityModule.stdAges")
    if std_ages:
        eligibility["std_ages"] = std_ages

    lead = _dict(sponsors.get("leadSponsor"), "sponsorCollaboratorsModule.leadSponsor")
    sponsor = None
    if _text(lead.get("name"), "leadSponsor.name"):
        sponsor = {
            "name": fold(lead["name"]),
            "class": _text(lead.get("class"), "leadSponsor.class"),
        }
    collaborators = []
    for c in _list(sponsors.get("collaborators"), "collaborators"):
        name = _text(_dict(c, "collaborators[]").get("name"), "collaborators[].name")
        if name:
            collaborators.append(name)

    phases, notes = [], []
    for p in _strs(design.get("phases"), "designModule.phases"):
        if p.upper() in PHASES:
            phases.append(p.upper())
        else:
            notes.append(
                {
                    "kind": "unknown-phase",
                    "field": "designModule.phases",
                    "message": f"phase {p[:40]!r} is not an API v2 phase value; left out",
                }
            )
    misc = _dict(derived.get("miscInfoModule"), "derivedSection.miscInfoModule")
    version = _text(misc.get("versionHolder"), "miscInfoModule.versionHolder")
    last_update = _dict(status.get("lastUpdatePostDateStruct"), "lastUpdatePostDateStruct")
    source.record_version = version or _text(last_update.get("date"), "lastUpdatePostDate")

    return TrialRecord(
        nct_id=nct,
        title=title,
        source=source,
        conditions=_strs(cond.get("conditions"), "conditionsModule.conditions"),
        interventions=interventions,
        outcomes=outcomes,
        phases=phases,
        enrollment=enrollment,
        design=design_out,
        eligibility=eligibility,
        arms=arms,
        sponsor=sponsor,
        official_title=_text(ident.get("officialTitle"), "identificationModule.officialTitle"),
        acronym=_text(ident.get("acronym"), "identificationModule.acronym"),
        brief_summary=_text(desc.get("briefSummary"), "descriptionModule.briefSummary"),
        detailed_description=_text(
            desc.get("detailedDescription"), "descriptionModule.detailedDescription"
        ),
        status=_text(status.get("overallStatus"), "statusModule.overallStatus"),
        start_date=_text(
            _dict(status.get("startDateStruct"), "startDateStruct").get("date"), "startDate"
        ),
        completion_date=_text(
            _dict(status.get("completionDateStruct"), "completionDateStruct").get("date"),
            "completionDate",
        ),
        keywords=_strs(cond.get("keywords"), "conditionsModule.keywords"),
        collaborators=collaborators,
        condition_mesh=_meshes(
            _dict(derived.get("conditionBrowseModule"), "conditionBrowseModule"),
            "conditionBrowseModule",
        ),
        intervention_mesh=_meshes(
            _dict(derived.get("interventionBrowseModule"), "interventionBrowseModule"),
            "interventionBrowseModule",
        ),
        notes=notes,
    )


def _studies(doc: Any) -> tuple[list[Any], str]:
    """The list of studies in a decoded document and the name used in positions."""
    if isinstance(doc, list):
        return doc, ""
    if isinstance(doc, dict):
        if "studies" in doc:
            studies = doc["studies"]
            if not isinstance(studies, list):
                raise RecordError("expected a list", "studies")
            return studies, "studies"
        if "protocolSection" in doc:
            return [doc], None  # type: ignore[return-value]
    raise RecordError("neither a study, a list of studies, nor a /studies page", "document")


def read(path: Path) -> Iterator[TrialRecord | Rejection]:
    """Stream the studies of one API v2 JSON file (see module docstring)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        yield Rejection(
            str(path), "file", f"not UTF-8 text: {exc.reason} at byte {exc.start}", FORMAT
        )
        return
    except json.JSONDecodeError as exc:
        yield Rejection(
            str(path),
            "file",
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            FORMAT,
        )
        return
    except RecursionError:
        yield Rejection(str(path), "file", "invalid JSON: nested too deeply", FORMAT)
        return
    try:
        studies, prefix = _studies(doc)
    except RecordError as exc:
        yield Rejection(str(path), "file", str(exc), FORMAT)
        return
    for i, study in enumerate(studies):
        position = "file" if prefix is None else f"{prefix}[{i}]"
        source = Source(path=str(path), format=FORMAT, position=position)
        try:
            yield study_to_record(study, source)
        except RecordError as exc:
            yield Rejection(str(path), position, str(exc), FORMAT)
        except (TypeError, ValueError, AttributeError) as exc:  # defensive: never stop a batch
            yield Rejection(str(path), position, f"malformed study: {exc}", FORMAT)
