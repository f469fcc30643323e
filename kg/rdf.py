"""The RDF mapping: the one module that knows IRIs.

A record becomes a list of quads in its own named graph (``graph/<key>``), where
``<key>`` is the NCT id, or for a record without one (the flat format) ``T`` plus
a digest of its normalized title. Child nodes (outcomes, time frames,
interventions, arms) are named under their study; shared nodes (conditions,
organizations, drugs, drug classes, endpoint types, criteria, phases) have one IRI
each and are linked from every study that uses them. No blank nodes, no random
ids, no clock: the same record always gives the same quads in the same order.

Provenance (source path, format, position, record version, extraction method)
hangs off the named graph itself, so replacing a study's graph replaces it too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kg.record import TrialRecord

BASE = "https://w3id.org/trialkg/"
TKG = BASE + "ontology#"
VOCAB = BASE + "vocab/"
VOCAB_GRAPH = NamedNode(BASE + "graph/vocab")

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_EXACT = NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
XSD_DATE = NamedNode(XSD + "date")
XSD_GYEARMONTH = NamedNode(XSD + "gYearMonth")
XSD_DURATION = NamedNode(XSD + "duration")
PROV_ENTITY = NamedNode("http://www.w3.org/ns/prov#Entity")
_TRUE = Literal("true", datatype=XSD_BOOLEAN)
_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")

PREFIXES = {
    "tkg": TKG,
    "study": BASE + "study/",
    "cond": BASE + "condition/",
    "org": BASE + "org/",
    "drug": VOCAB + "drug/",
    "dclass": VOCAB + "class/",
    "endpoint": VOCAB + "endpoint/",
    "criteria": VOCAB + "criteria/",
    "graph": BASE + "graph/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": XSD,
    "prov": "http://www.w3.org/ns/prov#",
    "mesh": "http://id.nlm.nih.gov/mesh/",
}
# Prefixes written in Turtle: not study/ (child IRIs such as .../NCT.../outcome/1
# would need backslash escapes as prefixed names; written whole they read better).
TURTLE_PREFIXES = {k: v for k, v in PREFIXES.items() if k not in ("study", "graph")}


@lru_cache(maxsize=256)
def T(local: str) -> NamedNode:  # noqa: N802 - reads like a namespace term
    """A term of the trialkg ontology (``tkg:local``)."""
    return NamedNode(TKG + local)


ROLE = {"primary": "PrimaryOutcome", "secondary": "SecondaryOutcome", "other": "OtherOutcome"}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NCT_ID = re.compile(r"NCT\d{8}")


def normalize_title(title: str) -> str:
    """Lower case, accents and punctuation removed, whitespace folded: for digests and duplicates.

    >>> normalize_title("  Study of JS001 in Patients, Phase Ib! ")
    'study of js001 in patients phase ib'
    """
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def slug(text: str, max_len: int = 80) -> str:
    """A readable, IRI-safe, deterministic local name for a label.

    Labels that differ only in case, accents or punctuation share a slug (they
    name the same thing); a label with no ASCII letters or digits, or one too long,
    gets a digest so distinct labels never collide by truncation.

    >>> slug("Non-small Cell Lung Cancer")
    'non-small-cell-lung-cancer'
    """
    norm = normalize_title(text).replace(" ", "-")
    if not norm or len(norm) > max_len:
        digest = hashlib.sha1(text.strip().lower().encode()).hexdigest()[:12]
        return (norm[: max_len - 13].rstrip("-") + "-" + digest) if norm else "x-" + digest
    return norm


def study_key(record: TrialRecord) -> str:
    """The local name of a record's study and graph: its NCT id, or a title digest.

    An NCT id that is not ``NCT`` + 8 digits is never put into an IRI; such a
    record is named from its title like a flat one (and SHACL flags the id).
    """
    if record.nct_id and _NCT_ID.fullmatch(record.nct_id):
        return record.nct_id
    digest = hashlib.sha1(normalize_title(record.title or "").encode()).hexdigest()[:16]
    return "T" + digest


def study_iri(key: str) -> NamedNode:
    return NamedNode(BASE + "study/" + key)


def graph_iri(key: str) -> NamedNode:
    return NamedNode(BASE + "graph/" + key)


def mesh_iri(mesh_id: str) -> NamedNode | None:
    """The NLM MeSH RDF IRI for an id as ClinicalTrials.gov writes it (D000007172 -> D007172)."""
    m = re.fullmatch(r"([DC])0*(\d+)", mesh_id or "")
    if not m:
        return None
    n = int(m.group(2))
    return NamedNode(
        f"http://id.nlm.nih.gov/mesh/{m.group(1)}{n:06d}"
        if n < 10**6
        else f"http://id.nlm.nih.gov/mesh/{m.group(1)}{n:09d}"
    )


def _lit(value: str) -> Literal:
    return Literal(value)


def _date(value: str) -> Literal:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD_DATE)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD_GYEARMONTH)
    return Literal(value)


def _decimal(value: float) -> Literal:
    text = format(Decimal(str(round(float(value), 4))).normalize(), "f")
    return Literal(text, datatype=XSD_DECIMAL)


def duration_from_days(days: float) -> str:
    """An ``xsd:duration`` for a number of days (whole days; fractions rounded).

    >>> duration_from_days(730.5)
    'P731D'
    """
    return f"P{max(0, round(days))}D"


def _vocab_iri(kind: str, ident: str | None) -> NamedNode | None:
    if not ident:
        return None
    ident = ident.split(":", 1)[1] if ident.startswith(("class:", "drug:")) else ident
    return NamedNode(VOCAB + kind + "/" + ident)


def _endpoint_iri(code: str | None) -> NamedNode | None:
    if not code:
        return None
    from kg.text.endpoints import endpoint_id_for_code

    ident = endpoint_id_for_code(code)
    return NamedNode(VOCAB + "endpoint/" + ident) if ident else None


def _criteria_iri(notation: str) -> NamedNode | None:
    from kg.text.criteria import criteria_id_for_notation

    ident = criteria_id_for_notation(notation)
    return NamedNode(VOCAB + "criteria/" + ident) if ident else None


def record_quads(record: TrialRecord) -> tuple[str, NamedNode, list[Quad]]:
    """Map one record to ``(key, graph IRI, quads)``; see the module docstring."""
    key = study_key(record)
    g = graph_iri(key)
    s = study_iri(key)
    out: list[Quad] = []

    def add(subj: NamedNode, pred: NamedNode, obj: NamedNode | Literal | None) -> None:
        if obj is not None:
            out.append(Quad(subj, pred, obj, g))

    def text(subj: NamedNode, local: str, value: str | None) -> None:
        if value:
            out.append(Quad(subj, T(local), Literal(value), g))

    add(s, RDF_TYPE, T("Study"))
    if record.title:
        add(s, RDFS_LABEL, _lit(record.title))
        text(s, "briefTitle", record.title)
    elif record.nct_id:
        # A source without titles (the HINT CSV): label the study with its id so
        # that tables and saved queries still show it; SHACL warns of the gap.
        add(s, RDFS_LABEL, _lit(record.nct_id))
    text(s, "nctId", record.nct_id)
    text(s, "officialTitle", record.official_title)
    text(s, "acronym", record.acronym)
    text(s, "briefSummary", record.brief_summary)
    text(s, "detailedDescription", record.detailed_description)
    text(s, "overallStatus", record.status)
    if record.start_date:
        add(s, T("startDate"), _date(record.start_date))
    if record.completion_date:
        add(s, T("completionDate"), _date(record.completion_date))
    for kw in record.keywords:
        text(s, "keyword", kw)
    for p in record.phases:
        add(s, T("hasPhase"), T("Phase_" + p))
    if record.enrollment and record.enrollment.get("count") is not None:
        add(s, T("enrollment"), Literal(str(int(record.enrollment["count"])), datatype=XSD_INTEGER))
        text(s, "enrollmentType", record.enrollment.get("type"))
    d = record.design
    for local, k in (
        ("studyType", "study_type"),
        ("allocation", "allocation"),
        ("interventionModel", "intervention_model"),
        ("masking", "masking"),
        ("primaryPurpose", "primary_purpose"),
    ):
        text(s, local, d.get(k))
    for who in d.get("who_masked", []) or []:
        text(s, "whoMasked", who)

    # Conditions as written, and NLM's MeSH descriptors as ClinicalTrials.gov derives them.
    mesh_by_term = {
        normalize_title(m["term"] or ""): m for m in record.condition_mesh if m.get("id")
    }
    for c in record.conditions:
        cn = NamedNode(BASE + "condition/" + slug(c))
        add(s, T("hasCondition"), cn)
        add(cn, RDF_TYPE, T("Condition"))
        add(cn, RDFS_LABEL, _lit(c))
        m = mesh_by_term.get(normalize_title(c))
        if m:
            text(cn, "meshId", m["id"])
            add(cn, SKOS_EXACT, mesh_iri(m["id"]))
    for m in record.condition_mesh:
        if not m.get("id"):
            continue
        cn = NamedNode(BASE + "condition/mesh-" + m["id"])
        add(s, T("meshCondition"), cn)
        add(cn, RDF_TYPE, T("Condition"))
        if m.get("term"):
            add(cn, RDFS_LABEL, _lit(m["term"]))
        text(cn, "meshId", m["id"])
        add(cn, SKOS_EXACT, mesh_iri(m["id"]))

    iv_nodes: dict[str, NamedNode] = {}
    for i, iv in enumerate(record.interventions, 1):
        n = NamedNode(f"{s.value}/intervention/{i}")
        iv_nodes.setdefault(iv.name.lower(), n)
        add(s, T("hasIntervention"), n)
        add(n, RDF_TYPE, T("Intervention"))
        add(n, RDFS_LABEL, _lit(iv.name))
        text(n, "interventionType", iv.type)
        text(n, "description", iv.description)
        add(n, T("position"), Literal(str(i), datatype=XSD_INTEGER))
        for on in iv.other_names:
            text(n, "otherName", on)
        for ag in iv.agents:
            if ag.kind == "class":
                add(n, T("mentionsDrugClass"), _vocab_iri("class", ag.id))
            else:
                add(n, T("hasAgent"), _vocab_iri("drug", ag.id))

    for i, arm in enumerate(record.arms, 1):
        n = NamedNode(f"{s.value}/arm/{i}")
        add(s, T("hasArm"), n)
        add(n, RDF_TYPE, T("Arm"))
        add(n, RDFS_LABEL, _lit(arm.label))
        text(n, "armType", arm.type)
        text(n, "description", arm.description)
        for name in arm.interventions:
            # API v2 writes arm interventions as "Drug: Nivolumab".
            bare = name.split(":", 1)[1].strip() if ":" in name else name
            target = iv_nodes.get(bare.lower()) or iv_nodes.get(name.lower())
            add(n, T("armIntervention"), target)

    for i, oc in enumerate(record.outcomes, 1):
        n = NamedNode(f"{s.value}/outcome/{i}")
        add(s, T("hasOutcome"), n)
        add(n, RDF_TYPE, T("Outcome"))
        add(n, T("hasRole"), T(ROLE.get(oc.role, "OtherOutcome")))
        text(n, "measure", oc.measure)
        text(n, "description", oc.description)
        add(n, T("position"), Literal(str(i), datatype=XSD_INTEGER))
        add(n, T("hasEndpointType"), _endpoint_iri(oc.endpoint))
        for c in oc.criteria:
            add(n, T("assessedBy"), _criteria_iri(c))
        if oc.time_frame:
            tf = NamedNode(f"{n.value}/timeframe")
            add(n, T("hasTimeFrame"), tf)
            add(tf, RDF_TYPE, T("TimeFrame"))
            text(tf, "timeFrameText", oc.time_frame)
            timing = oc.timing or {}
            if oc.horizon_days is not None:
                add(tf, T("horizonDays"), _decimal(oc.horizon_days))
                # The duration as stated ("P24M") when the parser kept it, else in days.
                iso = timing.get("horizon_iso")
                if not (isinstance(iso, str) and _DURATION.fullmatch(iso)):
                    iso = duration_from_days(oc.horizon_days)
                add(tf, T("horizon"), Literal(iso, datatype=XSD_DURATION))
            for j, tp in enumerate(timing.get("time_points") or [], 1):
                pn = NamedNode(f"{tf.value}/point/{j}")
                add(tf, T("hasTimePoint"), pn)
                add(pn, RDF_TYPE, T("TimePoint"))
                add(pn, RDFS_LABEL, _lit(str(tp.get("label") or "")) if tp.get("label") else None)
                add(pn, T("position"), Literal(str(j), datatype=XSD_INTEGER))
                if tp.get("days") is not None:
                    add(pn, T("offsetDays"), _decimal(tp["days"]))
            if timing.get("interval_days") is not None:
                add(tf, T("intervalDays"), _decimal(timing["interval_days"]))
            text(tf, "intervalText", timing.get("interval_text"))
            text(tf, "anchorEvent", timing.get("anchor"))
            if timing.get("event_driven"):
                add(tf, T("eventDriven"), _TRUE)
            if timing.get("unparsed"):
                add(tf, T("timeFrameUnparsed"), _TRUE)
        if oc.landmark_days is not None:
            add(n, T("landmarkDays"), _decimal(oc.landmark_days))
        text(n, "assessor", oc.assessor)

    _design_quads(record, s, add, text)
    el = record.eligibility
    text(s, "eligibilityText", el.get("criteria_text"))
    for k, c in enumerate(el.get("criteria") or [], 1):
        cn = NamedNode(f"{s.value}/criterion/{k}")
        add(s, T("hasEligibilityCriterion"), cn)
        kind = "ExclusionCriterion" if c.get("kind") == "exclusion" else "InclusionCriterion"
        add(cn, RDF_TYPE, T(kind))
        text(cn, "criterionText", c.get("text"))
        add(cn, T("position"), Literal(str(k), datatype=XSD_INTEGER))
        _criterion_attributes(cn, c.get("attributes") or {}, add, text)
    text(s, "sex", el.get("sex"))
    text(s, "minimumAge", el.get("minimum_age"))
    text(s, "maximumAge", el.get("maximum_age"))
    if isinstance(el.get("healthy_volunteers"), bool):
        add(
            s,
            T("healthyVolunteers"),
            Literal(str(el["healthy_volunteers"]).lower(), datatype=XSD_BOOLEAN),
        )

    if record.sponsor and record.sponsor.get("name"):
        o = NamedNode(BASE + "org/" + slug(record.sponsor["name"]))
        add(s, T("leadSponsor"), o)
        add(o, RDF_TYPE, T("Organization"))
        add(o, RDFS_LABEL, _lit(record.sponsor["name"]))
    for c in record.collaborators:
        o = NamedNode(BASE + "org/" + slug(c))
        add(s, T("collaborator"), o)
        add(o, RDF_TYPE, T("Organization"))
        add(o, RDFS_LABEL, _lit(c))

    # Provenance of the study graph (no build time: output must be reproducible).
    add(g, RDF_TYPE, T("StudyGraph"))
    add(g, RDF_TYPE, PROV_ENTITY)
    add(g, T("describesStudy"), s)
    src = record.source
    text(g, "sourcePath", src.path)
    text(g, "sourceFormat", src.format)
    text(g, "sourcePosition", src.position)
    text(g, "recordVersion", src.record_version)
    text(g, "extractionMethod", src.extraction)
    return key, g, _dedupe(out)


def _num(value: Any, integer: bool = False) -> Literal | None:
    """A typed number literal, or None for anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if integer:
        return Literal(str(int(value)), datatype=XSD_INTEGER)
    return _decimal(value)


def _design_quads(record: TrialRecord, s: NamedNode, add: Any, text: Any) -> None:
    """Design facts read from prose, dosing regimens, and data-quality findings."""
    facts = record.design.get("from_text") or {}
    text(s, "phaseText", facts.get("phase_text"))
    if isinstance(facts.get("multicenter"), bool):
        add(s, T("multicenter"), Literal(str(facts["multicenter"]).lower(), datatype=XSD_BOOLEAN))
    add(s, T("plannedEnrollment"), _num(facts.get("planned_enrollment"), integer=True))
    add(s, T("cycleDays"), _num(facts.get("cycle_days")))
    for k, r in enumerate(facts.get("regimens") or [], 1):
        rn = NamedNode(f"{s.value}/regimen/{k}")
        add(s, T("hasRegimen"), rn)
        add(rn, RDF_TYPE, T("DosingRegimen"))
        add(rn, T("position"), Literal(str(k), datatype=XSD_INTEGER))
        text(rn, "regimenAgentText", r.get("agent_text"))
        add(rn, T("dose"), _num(r.get("dose")))
        text(rn, "doseUnit", r.get("unit"))
        if isinstance(r.get("unit_ok"), bool) and r.get("unit"):
            add(
                rn, T("doseUnitPlausible"), Literal(str(r["unit_ok"]).lower(), datatype=XSD_BOOLEAN)
            )
        text(rn, "route", r.get("route"))
        add(rn, T("intervalDays"), _num(r.get("interval_days")))
        text(rn, "intervalText", r.get("interval_text"))
        add(rn, T("maxCycles"), _num(r.get("max_cycles"), integer=True))
        add(rn, T("maxDurationDays"), _num(r.get("max_duration_days")))
        text(rn, "untilEvent", r.get("until"))
        text(rn, "evidence", r.get("evidence"))
    for k, f in enumerate(record.notes, 1):
        if not isinstance(f, dict) or not f.get("kind"):
            continue
        fn = NamedNode(f"{s.value}/finding/{k}")
        add(s, T("hasFinding"), fn)
        add(fn, RDF_TYPE, T("DataQualityFinding"))
        text(fn, "findingKind", str(f["kind"]))
        text(fn, "message", str(f["message"]) if f.get("message") else None)
        text(fn, "evidence", str(f["evidence"]) if f.get("evidence") else None)


def _criterion_attributes(cn: NamedNode, a: dict[str, Any], add: Any, text: Any) -> None:
    for key, local, integer in (
        ("min_age", "minAgeYears", False),
        ("max_age", "maxAgeYears", False),
        ("ecog_max", "ecogMax", True),
        ("karnofsky_min", "karnofskyMin", True),
        ("prior_lines_min", "priorLinesMin", True),
        ("prior_lines_max", "priorLinesMax", True),
    ):
        add(cn, T(local), _num(a.get(key), integer=integer))
    if a.get("measurable_disease") is True:
        add(cn, T("measurableDisease"), _TRUE)
        for notation in a.get("measurable_by") or []:
            add(cn, T("measurableBy"), _criteria_iri(str(notation)))
    for b in a.get("biomarkers") or []:
        if not isinstance(b, dict) or not b.get("marker"):
            continue
        text(cn, "biomarker", str(b["marker"]))
        req = " ".join(str(x) for x in (b.get("marker"), b.get("status"), b.get("threshold")) if x)
        text(cn, "biomarkerRequirement", req)
    organ = a.get("organ_function")
    for o in organ if isinstance(organ, list) else []:
        text(cn, "organFunction", str(o))
    if isinstance(a.get("brain_metastases"), str):
        text(cn, "brainMetastases", a["brain_metastases"])


def _dedupe(quads: list[Quad]) -> list[Quad]:
    seen: set[Quad] = set()
    out = []
    for q in quads:
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


# Characters that are legal raw inside Turtle/N-Quads strings but that line-based
# readers (Python's str.splitlines among them) take for line ends. Written as
# \uXXXX escapes, the text means the same and every reader agrees on it.
_LINE_LIKE = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINE_LIKE_B = re.compile("[\x0b\x0c\x1c\x1d\x1e]|\u0085|\u2028|\u2029".encode())


def _escape_line_like(text: str) -> str:
    return _LINE_LIKE.sub(lambda m: f"\\u{ord(m.group()):04X}", text)


def nquads_bytes(quads: Iterable[Quad]) -> bytes:
    """N-Quads for some quads, one statement per line whatever the text holds."""
    data = serialize(list(quads), format=RdfFormat.N_QUADS)
    if _LINE_LIKE_B.search(data):
        data = _escape_line_like(data.decode()).encode()
    return data


def turtle_body(triples: Iterable[Triple]) -> str:
    """Turtle for some triples with the trialkg prefixes, without the @prefix lines."""
    # Grouped by subject (a stable sort keeps each subject's statement order), so
    # each node reads as one block.
    ordered = sorted(triples, key=lambda t: t.subject.value)
    ttl = serialize(ordered, format=RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES).decode()
    ttl = _escape_line_like(ttl)
    return "".join(
        line + "\n" for line in ttl.split("\n") if line and not line.startswith("@prefix")
    )


def turtle_prefix_header() -> str:
    """The @prefix lines shared by every Turtle file trialkg writes."""
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(TURTLE_PREFIXES.items()))


def vocab_quads() -> list[Quad]:
    """The ontology and every controlled vocabulary, as quads in the vocabulary graph.

    Blank nodes (e.g. OWL restrictions) get stable labels from their position in
    the sorted Turtle, so the output is reproducible.
    """
    from kg.ontology import ONTOLOGY_DIR

    files = [ONTOLOGY_DIR / "trialkg.ttl", *sorted((ONTOLOGY_DIR / "vocab").glob("*.ttl"))]
    out: list[Quad] = []
    for f in files:
        if not f.exists():
            continue
        with open(f, "rb") as fh:
            for t in parse(fh, format=RdfFormat.TURTLE, base_iri=f.as_uri()):
                out.append(Quad(t.subject, t.predicate, t.object, VOCAB_GRAPH))
    return _stable_bnodes(out)


def _stable_bnodes(quads: list[Quad]) -> list[Quad]:
    names: dict[str, BlankNode] = {}

    def fix(term):  # type: ignore[no-untyped-def]
        if isinstance(term, BlankNode):
            if term.value not in names:
                names[term.value] = BlankNode(f"v{len(names)}")
            return names[term.value]
        return term

    return [Quad(fix(q.subject), q.predicate, fix(q.object), q.graph_name) for q in quads]


def quads_to_triples(quads: Iterable[Quad]) -> Iterator[Triple]:
    for q in quads:
        yield q.triple
