"""Fill a record's understood fields from its text: the text stage of the pipeline.

``enrich_record`` resolves intervention names to agents (drugs, or a drug class
for a generic mention), types each outcome's endpoint, finds the assessment
criteria named in it, and reads the horizon of its time frame. Every function it
calls is pure; this module only ties them to the record contract.
"""

from __future__ import annotations

from kg.record import Agent, Intervention, TrialRecord


def enrich_record(record: TrialRecord) -> TrialRecord:
    """Fill ``agents``, ``endpoint``, ``criteria`` and ``horizon_days`` in place; return the record."""
    from kg.text.criteria import find_assessor, find_criteria
    from kg.text.drugs import resolve_intervention
    from kg.text.endpoints import classify_endpoint
    from kg.text.timeframe import parse_time_frame

    for iv in record.interventions:
        iv.agents = resolve_intervention(iv.name, iv.other_names, record.intervention_mesh)
        _refine_class_mentions(iv, record)
    for oc in record.outcomes:
        match = classify_endpoint(oc.measure, oc.description)
        oc.endpoint = match.code if match else None
        oc.landmark_days = match.landmark_days if match else None
        # One pass over measure and description together, so that "RECIST 1.1" in one
        # absorbs a bare "RECIST" in the other instead of giving both.
        joined = " . ".join(t for t in (oc.measure, oc.description) if t)
        oc.criteria = list(dict.fromkeys(c.notation for c in find_criteria(joined)))
        oc.assessor = find_assessor(joined)
        if oc.time_frame:
            tf = parse_time_frame(oc.time_frame)
            oc.horizon_days = tf.horizon_days
            oc.timing = {
                "time_points": tf.time_points,
                "interval_days": tf.interval_days,
                "interval_text": tf.interval_text,
                "anchor": tf.anchor,
                "event_driven": tf.event_driven,
                "cycle_days": tf.cycle_days,
                "horizon_iso": tf.horizon_iso,
                "unparsed": tf.unparsed,
            }
    _design(record)
    _eligibility(record)
    return record


def _refine_class_mentions(iv: Intervention, record: TrialRecord) -> None:
    """Name the drug behind a generic mention when the study's own text names exactly one.

    "humanized anti-PD-1 monoclonal antibody" in a study titled "Study of JS001 in ..."
    is toripalimab: the class mention stays, and the drug is added with the title
    (or summary) text as its mention and ``codes["source"] = "study text"``. With
    no such drug, or two candidates, nothing is added: never a guess.
    """
    from kg.text.drugs import agent_for_drug_id, class_closure, drug_by_id, find_mentions

    class_ids = [a.id.split(":", 1)[-1] for a in iv.agents if a.kind == "class" and a.id]
    if not class_ids or any(a.kind == "drug" for a in iv.agents):
        return
    text = "\n".join(t for t in (record.title, record.brief_summary) if t)
    found: dict[str, Agent] = {}
    for m in find_mentions(text):
        if m.kind != "drug" or m.id in found:
            continue
        drug = drug_by_id(m.id)
        closure = {c for dc in (drug.classes if drug else ()) for c in class_closure(dc)}
        agent = agent_for_drug_id(m.id, m.text)
        if agent and any(c in closure for c in class_ids):
            agent.codes = {**agent.codes, "source": "study text"}
            found[m.id] = agent
    if len(found) == 1:
        iv.agents.extend(found.values())


def _prose(record: TrialRecord) -> str:
    """The record's prose, joined: title, summaries, and outcome texts (cycle lengths hide there)."""
    parts = [record.title, record.brief_summary, record.detailed_description]
    for oc in record.outcomes:
        parts += [oc.description, oc.time_frame]
    # The flat format repeats the brief summary as the description when there is
    # none: read each distinct text once, or every fact in it would count twice.
    return "\n".join(dict.fromkeys(p for p in parts if p))


def _design(record: TrialRecord) -> None:
    """Design facts from prose, kept under ``design["from_text"]``.

    Structured fields win: prose only fills a field the source does not have
    (the flat format has only prose), and a disagreement becomes a note.
    """
    from kg.text.design import compare_with_structured, design_from_text

    facts = design_from_text(_prose(record))
    record.design["from_text"] = facts.to_dict()
    notes = list(facts.findings)
    notes += compare_with_structured(
        facts, record.phases, record.design, record.enrollment, record.arms or None
    )
    if not record.phases and facts.phases:
        record.phases = list(facts.phases)
    for key in ("masking", "allocation", "intervention_model"):
        value = getattr(facts, key)
        if value and not record.design.get(key):
            record.design[key] = value
    for n in notes:
        if n not in record.notes:
            record.notes.append(n)


def _eligibility(record: TrialRecord) -> None:
    """Split the eligibility text into inclusion and exclusion criteria with attributes."""
    from kg.text.eligibility import split_criteria

    el = record.eligibility
    text = el.get("criteria_text_raw") or el.get("criteria_text")
    if text:
        el["criteria"] = [c.to_dict() for c in split_criteria(text)]
