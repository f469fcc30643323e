"""Fill a record's understood fields from its text: the text stage of the pipeline.

``enrich_record`` resolves intervention names to agents (drugs, or a drug class
for a generic mention), types each outcome's endpoint, finds the assessment
criteria named in it, and reads the horizon of its time frame. Every function it
calls is pure; this module only ties them to the record contract.
"""

from __future__ import annotations

from kg.record import TrialRecord


def enrich_record(record: TrialRecord) -> TrialRecord:
    """Fill ``agents``, ``endpoint``, ``criteria`` and ``horizon_days`` in place; return the record."""
    from kg.text.criteria import find_assessor, find_criteria
    from kg.text.drugs import resolve_intervention
    from kg.text.endpoints import classify_endpoint
    from kg.text.timeframe import parse_time_frame

    for iv in record.interventions:
        iv.agents = resolve_intervention(iv.name, iv.other_names, record.intervention_mesh)
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
    return record
