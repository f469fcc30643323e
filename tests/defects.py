"""Seeded defects: named kinds of injected defect, and a real corpus to seed them into.

Each :class:`Defect` names one kind of thing that can go wrong in a study graph,
says what must catch it (``caught_by``: a SHACL shape, a saved violation query, or
a ``trialkg check`` consistency check) and at which severity, and carries the
mutation that injects it:

* ``mutate(view) -> quads``: a graph-level defect. ``view`` is a :class:`GraphView`
  of ONE study's named graph of a build (its quads plus lookups); the function
  returns the study graph's new quads. Most defects are injected this way: our
  readers and the RDF mapping cannot produce them.
* ``mutate_record(study) -> study``: a record-level defect. ``study`` is one API
  v2 JSON study (a deep copy); the mutated study (or several, for a defect such as
  the same trial entered twice) is written to its own input file, built, and put
  in the dataset in place of the clean study's graph. ``write_record`` can write
  other input formats (flat text ...).
* ``vocabulary=True`` with ``mutate``: the view is the vocabulary graph; the
  defect is validated by the vocabulary shapes.

:func:`seed_corpus` builds the clean corpus once, picks a different target study
for each kind (the first study, in NCT-id order, that has what the defect needs:
``applies`` / ``applies_record``), injects every defect, and writes the whole
mutated dataset as one N-Quads file (vocabulary graph + study graphs, as a build's
``trials.nq``), so it is validated once for all kinds. :meth:`SeededCorpus.owners`
attributes a validation result to the kinds whose target it concerns.

Adding a kind: append a :class:`Defect` to ``DEFECTS`` (names are unique, in
kebab-case); ``caught_by="check"`` kinds name the ``trialkg check`` id in
``expect``. Targets are chosen in registry order, so appending a kind never moves
the targets of the kinds before it.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.check import CHECKS_BY_ID
from kg.check import SEVERITIES as CHECK_LEVELS
from kg.rdf import BASE, TKG, VOCAB, VOCAB_GRAPH, nquads_bytes, vocab_quads
from kg.validate import QUERY_NS, SEVERITIES, SHAPES_NS, Result

__all__ = [
    "CAUGHT_BY",
    "DEFECTS",
    "Defect",
    "GraphView",
    "SeededCorpus",
    "Target",
    "by_name",
    "load_studies",
    "seed_corpus",
    "shape",
]

CAUGHT_BY = ("shacl", "query", "check")
"""What catches a kind: a SHACL shape, a saved ``*-violation.rq`` query, or ``trialkg check``."""

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def shape(local: str) -> str:
    """The full IRI of a shape of ``shapes/*.ttl`` (``tkgsh:<local>``)."""
    return SHAPES_NS + local


def T(local: str) -> ox.NamedNode:  # noqa: N802 - reads like a namespace term
    """A term of the trialkg ontology (``tkg:local``)."""
    return ox.NamedNode(TKG + local)


def lit(text: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    """A literal; ``datatype`` is an XSD local name (``"decimal"``) or a full IRI."""
    if language:
        return ox.Literal(text, language=language)
    if datatype:
        iri = datatype if "://" in datatype else XSD + datatype
        return ox.Literal(text, datatype=ox.NamedNode(iri))
    return ox.Literal(text)


# ----------------------------------------------------------------------------- graph views


class GraphView:
    """One named graph of a build (a study graph, or the vocabulary graph), with lookups.

    ``owners`` counts, for every node, how many study graphs describe it (have it
    as a subject): a shared node (condition, sponsor) described by several studies
    is validated with all their descriptions merged, so a defect that removes
    something from a shared node must pick a node only its study describes
    (``view.shared_by(node) == 1``). ``partners`` are other study graphs a kind
    asked for (``Defect.partners``); ``involve`` names extra nodes a vocabulary
    defect drags in (both sides of a cycle).
    """

    def __init__(
        self,
        name: ox.NamedNode,
        quads: Sequence[ox.Quad],
        owners: Mapping[Any, int] | None = None,
        partners: Sequence[GraphView] = (),
    ) -> None:
        self.name = name
        self.quads: tuple[ox.Quad, ...] = tuple(quads)
        self.partners = tuple(partners)
        self.involved: set[Any] = set()
        self._owners = owners or {}
        self._sp: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
        self._po: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
        for q in self.quads:
            self._sp[(q.subject, q.predicate)].append(q.object)
            self._po[(q.predicate, q.object)].append(q.subject)

    def __repr__(self) -> str:
        return f"GraphView({self.name.value}, {len(self.quads)} quads)"

    @property
    def study(self) -> ox.NamedNode | None:
        """The study the graph describes (the subject typed tkg:Study)."""
        studies = self.instances("Study")
        return studies[0] if studies else None

    @property
    def nct_id(self) -> str | None:
        s = self.study
        v = self.value(s, T("nctId")) if s is not None else None
        return v.value if v is not None else None

    def objects(self, s: Any, p: ox.NamedNode) -> list[Any]:
        """Objects of (s, p), sorted by their text (deterministic)."""
        return sorted(set(self._sp.get((s, p), ())), key=str)

    def value(self, s: Any, p: ox.NamedNode) -> Any:
        objs = self.objects(s, p)
        return objs[0] if objs else None

    def text(self, s: Any, p: ox.NamedNode) -> str | None:
        v = self.value(s, p)
        return v.value if v is not None else None

    def subjects(self, p: ox.NamedNode, o: Any = None) -> list[Any]:
        """Subjects of (p, o), or of p with any object when ``o`` is None; sorted."""
        if o is not None:
            found: Iterable[Any] = self._po.get((p, o), ())
        else:
            found = (q.subject for q in self.quads if q.predicate == p)
        return sorted(set(found), key=_position_key)

    def instances(self, cls: str) -> list[Any]:
        """Nodes typed ``tkg:<cls>``, in their registered order (.../outcome/2 before /10)."""
        return self.subjects(RDF_TYPE, T(cls))

    def shared_by(self, node: Any) -> int:
        """How many study graphs of the corpus describe ``node`` (as a subject)."""
        return self._owners.get(node, 0)

    def involve(self, *nodes: Any) -> None:
        self.involved.update(nodes)


def _position_key(term: Any) -> tuple[Any, ...]:
    """Sort IRIs with numeric parts as numbers: .../outcome/2 before .../outcome/10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(term)))


# Edits: quads in, a new list out (the graph of every added quad is the view's).


def drop(
    view: GraphView | Sequence[ox.Quad], s: Any = None, p: Any = None, o: Any = None
) -> list[ox.Quad]:
    """The quads without those matching (s, p, o); None matches anything."""
    quads = view.quads if isinstance(view, GraphView) else view
    return [
        q
        for q in quads
        if not (
            (s is None or q.subject == s)
            and (p is None or q.predicate == p)
            and (o is None or q.object == o)
        )
    ]


def add(
    quads: Sequence[ox.Quad], graph: ox.NamedNode, *triples: tuple[Any, Any, Any]
) -> list[ox.Quad]:
    """The quads plus some triples, in ``graph``."""
    return [*quads, *(ox.Quad(s, p, o, graph) for s, p, o in triples)]


def set_value(view: GraphView, s: Any, p: ox.NamedNode, new: Any) -> list[ox.Quad]:
    """The view's quads with every (s, p, *) replaced by (s, p, new)."""
    return add(drop(view, s, p), view.name, (s, p, new))


def rename_object(quads: Sequence[ox.Quad], s: Any, p: Any, old: Any, new: Any) -> list[ox.Quad]:
    """The quads with the one statement (s, p, old) turned into (s, p, new)."""
    return [
        ox.Quad(s, p, new, q.graph_name) if (q.subject, q.predicate, q.object) == (s, p, old) else q
        for q in quads
    ]


def rename(quads: Sequence[ox.Quad], old: Any, new: Any) -> list[ox.Quad]:
    """The quads with the term ``old`` replaced by ``new`` wherever it occurs."""

    def r(t: Any) -> Any:
        return new if t == old else t

    return [ox.Quad(r(q.subject), q.predicate, r(q.object), q.graph_name) for q in quads]


# ----------------------------------------------------------------------------- kinds

GraphMutation = Callable[[GraphView], list[ox.Quad]]
RecordMutation = Callable[[dict[str, Any]], "dict[str, Any] | list[dict[str, Any]]"]
RecordWriter = Callable[[list[dict[str, Any]], Path], list[Path]]


@dataclass(frozen=True)
class Defect:
    """One named kind of injected defect and what must catch it.

    ``expect``: for ``caught_by="shacl"`` the full shape IRI (use :func:`shape`);
    for ``"query"`` the name of a ``queries/*-violation.rq``; for ``"check"`` the
    id of the ``trialkg check`` check. ``severity`` is the severity the finding
    must have (violation queries always report Violations).
    """

    name: str
    doc: str
    caught_by: str
    expect: str
    severity: str = "Violation"
    applies: Callable[[GraphView], bool] | None = None
    mutate: GraphMutation | None = None
    vocabulary: bool = False
    partners: int = 0
    applies_partner: Callable[[GraphView], bool] | None = None
    applies_record: Callable[[dict[str, Any]], bool] | None = None
    mutate_record: RecordMutation | None = None
    write_record: RecordWriter | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"{self.name!r}: name a defect kind in kebab-case")
        if self.caught_by not in CAUGHT_BY:
            raise ValueError(f"{self.name}: caught_by must be one of {CAUGHT_BY}")
        levels = CHECK_LEVELS if self.caught_by == "check" else SEVERITIES
        if self.severity not in levels:
            raise ValueError(f"{self.name}: severity must be one of {levels}")
        if (self.mutate is None) == (self.mutate_record is None):
            raise ValueError(f"{self.name}: give exactly one of mutate, mutate_record")
        if self.caught_by == "shacl" and not self.expect.startswith(SHAPES_NS):
            raise ValueError(f"{self.name}: expect a shape IRI (shape('...'))")
        if self.caught_by == "query" and (self.severity != "Violation" or "/" in self.expect):
            raise ValueError(f"{self.name}: expect a violation query name, severity Violation")
        if self.vocabulary and (self.mutate is None or self.partners):
            raise ValueError(f"{self.name}: a vocabulary defect is a graph mutation alone")

    @property
    def scope(self) -> str:
        """Where the defect is injected: ``record``, ``study`` (graph) or ``vocabulary``."""
        if self.mutate_record is not None:
            return "record"
        return "vocabulary" if self.vocabulary else "study"

    @property
    def result_shape(self) -> str | None:
        """The ``Result.shape`` that reports it (None for a check-side kind)."""
        if self.caught_by == "shacl":
            return self.expect
        if self.caught_by == "query":
            return QUERY_NS + self.expect
        return None


# --- lookups the kinds share


def _study_text(v: GraphView, local: str) -> str | None:
    return v.text(v.study, T(local)) if v.study is not None else None


def _outcomes(v: GraphView, role: str | None = None) -> list[Any]:
    out = v.instances("Outcome")
    if role:
        out = [o for o in out if T(role) in v.objects(o, T("hasRole"))]
    return out


def _time_frames(v: GraphView, p: str) -> list[Any]:
    return [tf for tf in v.instances("TimeFrame") if v.value(tf, T(p)) is not None]


def _positive_horizon_days(v: GraphView) -> list[Any]:
    return [tf for tf in _time_frames(v, "horizonDays") if float(v.text(tf, T("horizonDays"))) > 0]


def _own_conditions(v: GraphView, p: str) -> list[Any]:
    """Conditions of the study that only its graph describes and that have ``p``."""
    s = v.study
    conds = v.objects(s, T("hasCondition")) + v.objects(s, T("meshCondition"))
    return [
        c
        for c in sorted(set(conds), key=str)
        if v.shared_by(c) == 1 and v.value(c, ox.NamedNode(p) if "://" in p else T(p))
    ]


@lru_cache(maxsize=1)
def _criteria_endpoints() -> frozenset[Any]:
    """Endpoint types whose outcomes must name assessment criteria (see the shape)."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in vocab_quads())
    rows = store.query(
        f"""PREFIX tkg: <{TKG}>
        SELECT DISTINCT ?e WHERE {{
            ?e tkg:broaderEndpointType* ?f . ?f tkg:requiresAssessmentCriteria true .
            FILTER NOT EXISTS {{ ?e tkg:requiresAssessmentCriteria false }}
        }}"""
    )
    return frozenset(r["e"] for r in rows)


# The combination test of tkgsh:CombinationInterventionShape, in Python.
_COMBINATION = re.compile(
    r"(\s\+\s|[a-z0-9)\]]\+[a-z(]|\bplus\b|\band\b|\bcombined with\b|\bcombination\b"
    r"|[a-z][a-z0-9-]{2,}\s*/\s*[a-z][a-z0-9-]{2,})",
    re.IGNORECASE,
)
_DRUG_TYPES = {"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT"}


def _agents(v: GraphView, iv: Any) -> list[Any]:
    return v.objects(iv, T("hasAgent")) + v.objects(iv, T("mentionsDrugClass"))


def _combinations(v: GraphView) -> list[Any]:
    """Drug interventions whose name reads as a combination and that resolve >= 2 agents."""
    out = []
    for iv in v.instances("Intervention"):
        label, kind = v.text(iv, RDFS_LABEL), v.text(iv, T("interventionType"))
        if label and _COMBINATION.search(label) and (kind is None or kind in _DRUG_TYPES):
            if len(set(_agents(v, iv))) >= 2:
                out.append(iv)
    return out


def _interventional(v: GraphView) -> bool:
    return _study_text(v, "studyType") == "INTERVENTIONAL"


# --- graph-level mutations


def _no_primary_outcome(v: GraphView) -> list[ox.Quad]:
    quads: list[ox.Quad] = list(v.quads)
    for o in _outcomes(v, "PrimaryOutcome"):
        quads = rename_object(quads, o, T("hasRole"), T("PrimaryOutcome"), T("SecondaryOutcome"))
    return quads


def _negative_horizon(v: GraphView) -> list[ox.Quad]:
    tf = _time_frames(v, "horizon")[0]
    return set_value(v, tf, T("horizon"), lit("-" + v.text(tf, T("horizon")), "duration"))


def _negative_horizon_days(v: GraphView) -> list[ox.Quad]:
    tf = _positive_horizon_days(v)[0]
    return set_value(v, tf, T("horizonDays"), lit("-" + v.text(tf, T("horizonDays")), "decimal"))


def _string_horizon_days(v: GraphView) -> list[ox.Quad]:
    tf = _time_frames(v, "horizonDays")[0]
    return set_value(v, tf, T("horizonDays"), lit(v.text(tf, T("horizonDays"))))


def _combined_phase(v: GraphView) -> list[ox.Quad]:
    return set_value(v, v.study, T("hasPhase"), T("Phase_PHASE2_PHASE3"))


def _has_official_title(v: GraphView) -> bool:
    official = _study_text(v, "officialTitle")
    return bool(official) and official != _study_text(v, "briefTitle")


def _two_brief_titles(v: GraphView) -> list[ox.Quad]:
    official = v.value(v.study, T("officialTitle"))
    return add(v.quads, v.name, (v.study, T("briefTitle"), official))


def _outcome_without_role(v: GraphView) -> list[ox.Quad]:
    return drop(v, _outcomes(v, "SecondaryOutcome")[0], T("hasRole"))


def _literal_condition(v: GraphView) -> list[ox.Quad]:
    c = v.value(v.study, T("hasCondition"))
    label = v.text(c, RDFS_LABEL) or c.value.rsplit("/", 1)[-1]
    return rename_object(v.quads, v.study, T("hasCondition"), c, lit(label))


def _condition_without_label(v: GraphView) -> list[ox.Quad]:
    c = _own_conditions(v, str(RDFS_LABEL.value))[0]
    return drop(v, c, RDFS_LABEL)


def _criteria_outcomes(v: GraphView) -> list[Any]:
    flagged = _criteria_endpoints()
    return [
        o
        for o in _outcomes(v)
        if v.value(o, T("hasEndpointType")) in flagged and v.value(o, T("assessedBy"))
    ]


def _drop_criteria(v: GraphView) -> list[ox.Quad]:
    return drop(v, _criteria_outcomes(v)[0], T("assessedBy"))


def _drop_measure(v: GraphView) -> list[ox.Quad]:
    return drop(v, _outcomes(v)[-1], T("measure"))


def _empty_measure(v: GraphView) -> list[ox.Quad]:
    return set_value(v, _outcomes(v)[0], T("measure"), lit(""))


def _partner_nct_id(v: GraphView) -> list[ox.Quad]:
    return set_value(v, v.study, T("nctId"), lit(v.partners[0].nct_id or ""))


def _transposed(nct: str) -> str:
    return nct[:-2] + nct[-1] + nct[-2]


def _has_transposable_nct(v: GraphView) -> bool:
    nct = v.nct_id
    return bool(nct) and nct[-1] != nct[-2]


def _transposed_nct_id(v: GraphView) -> list[ox.Quad]:
    return set_value(v, v.study, T("nctId"), lit(_transposed(v.nct_id or "")))


def _blank_outcome(v: GraphView) -> list[ox.Quad]:
    return rename(v.quads, _outcomes(v)[0], ox.BlankNode("seededoutcome"))


def _lower_case_study_iri(v: GraphView) -> list[ox.Quad]:
    s = v.study
    return rename(
        v.quads, s, ox.NamedNode(s.value.rsplit("/", 1)[0] + "/" + (v.nct_id or "").lower())
    )


def _second_lead_sponsor(v: GraphView) -> list[ox.Quad]:
    org = ox.NamedNode(BASE + "org/seeded-second-sponsor-" + (v.nct_id or "x").lower())
    return add(
        v.quads,
        v.name,
        (v.study, T("leadSponsor"), org),
        (org, RDF_TYPE, T("Organization")),
        (org, RDFS_LABEL, lit("Seeded Second Sponsor")),
    )


def _interventions_with(v: GraphView, p: str) -> list[Any]:
    return [iv for iv in v.instances("Intervention") if v.value(iv, T(p)) is not None]


def _unknown_agent(v: GraphView) -> list[ox.Quad]:
    iv = _interventions_with(v, "hasAgent")[0]
    old = v.value(iv, T("hasAgent"))
    new = ox.NamedNode(VOCAB + "drug/seeded-unknown-agent")
    return rename_object(v.quads, iv, T("hasAgent"), old, new)


def _plain_endpoint_outcomes(v: GraphView) -> list[Any]:
    flagged = _criteria_endpoints()
    return [
        o
        for o in _outcomes(v)
        if v.value(o, T("hasEndpointType")) is not None
        and v.value(o, T("hasEndpointType")) not in flagged
    ]


def _unknown_endpoint(v: GraphView) -> list[ox.Quad]:
    o = _plain_endpoint_outcomes(v)[0]
    new = ox.NamedNode(VOCAB + "endpoint/seeded-unknown-endpoint")
    return set_value(v, o, T("hasEndpointType"), new)


def _orphan_time_frame(v: GraphView) -> list[ox.Quad]:
    o = next(o for o in _outcomes(v) if v.value(o, T("hasTimeFrame")) is not None)
    return drop(v, o, T("hasTimeFrame"))


def _criteria(v: GraphView) -> list[Any]:
    return v.instances("InclusionCriterion") + v.instances("ExclusionCriterion")


def _criterion_without_text(v: GraphView) -> list[ox.Quad]:
    return drop(v, _criteria(v)[0], T("criterionText"))


def _untyped_criterion(v: GraphView) -> list[ox.Quad]:
    c = v.instances("InclusionCriterion")[0]
    return rename_object(v.quads, c, RDF_TYPE, T("InclusionCriterion"), T("EligibilityCriterion"))


def _short_mesh_id(v: GraphView) -> list[ox.Quad]:
    c = _own_conditions(v, "meshId")[0]
    mesh = v.text(c, T("meshId")) or "D000000000"
    return set_value(v, c, T("meshId"), lit(mesh[0] + mesh[1:].lstrip("0")))


def _string_exact_match(v: GraphView) -> list[ox.Quad]:
    c = _own_conditions(v, SKOS + "exactMatch")[0]
    p = ox.NamedNode(SKOS + "exactMatch")
    return set_value(v, c, p, lit(v.value(c, p).value.rsplit("/", 1)[-1]))


def _graph_text(v: GraphView, local: str) -> str | None:
    return v.text(v.name, T(local))


def _drop_describes(v: GraphView) -> list[ox.Quad]:
    return drop(v, v.name, T("describesStudy"))


def _drop_source_path(v: GraphView) -> list[ox.Quad]:
    return drop(v, v.name, T("sourcePath"))


def _unknown_source_format(v: GraphView) -> list[ox.Quad]:
    return set_value(v, v.name, T("sourceFormat"), lit("ctgov-yaml"))


def _string_healthy_volunteers(v: GraphView) -> list[ox.Quad]:
    hv = v.text(v.study, T("healthyVolunteers"))
    return set_value(v, v.study, T("healthyVolunteers"), lit("Yes" if hv == "true" else "No"))


def _real_phases(v: GraphView) -> list[Any]:
    return [p for p in v.objects(v.study, T("hasPhase")) if p != T("Phase_NA")]


def _add_phase_na(v: GraphView) -> list[ox.Quad]:
    return add(v.quads, v.name, (v.study, T("hasPhase"), T("Phase_NA")))


def _drop_intervention_type(v: GraphView) -> list[ox.Quad]:
    return drop(v, _interventions_with(v, "interventionType")[0], T("interventionType"))


def _drop_interventions(v: GraphView) -> list[ox.Quad]:
    nodes = set(v.instances("Intervention"))
    return [q for q in v.quads if q.subject not in nodes and q.object not in nodes]


def _drop_study_label(v: GraphView) -> list[ox.Quad]:
    return drop(v, v.study, RDFS_LABEL)


def _one_agent_left(v: GraphView) -> list[ox.Quad]:
    iv = _combinations(v)[0]
    keep = v.objects(iv, T("hasAgent"))[:1] or v.objects(iv, T("mentionsDrugClass"))[:1]
    return [
        q
        for q in v.quads
        if not (
            q.subject == iv
            and q.predicate in (T("hasAgent"), T("mentionsDrugClass"))
            and q.object not in keep
        )
    ]


def _link_partner_outcome(v: GraphView) -> list[ox.Quad]:
    other = _outcomes(v.partners[0])[0]
    return add(v.quads, v.name, (v.study, T("hasOutcome"), other))


# --- record-level mutations (API v2 JSON studies)


def _ps(study: dict[str, Any]) -> dict[str, Any]:
    return study.get("protocolSection") or {}


def _module(study: dict[str, Any], name: str) -> dict[str, Any]:
    return _ps(study).get(name) or {}


def _enrollment(study: dict[str, Any]) -> int | None:
    count = (_module(study, "designModule").get("enrollmentInfo") or {}).get("count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _short_nct_id(study: dict[str, Any]) -> dict[str, Any]:
    ident = _ps(study)["identificationModule"]
    ident["nctId"] = ident["nctId"][:-1]
    return study


def _negative_enrollment(study: dict[str, Any]) -> dict[str, Any]:
    info = _module(study, "designModule")["enrollmentInfo"]
    info["count"] = -info["count"]
    return study


def _zero_enrollment(study: dict[str, Any]) -> dict[str, Any]:
    _module(study, "designModule")["enrollmentInfo"]["count"] = 0
    return study


def _status(study: dict[str, Any]) -> str:
    return _module(study, "statusModule").get("overallStatus") or ""


def _title_case_status(study: dict[str, Any]) -> dict[str, Any]:
    status = _module(study, "statusModule")
    status["overallStatus"] = status["overallStatus"].replace("_", " ").capitalize()
    return study


def _date(study: dict[str, Any], key: str) -> str:
    return (_module(study, "statusModule").get(key) or {}).get("date") or ""


_MONTHS = "January February March April May June July August September October November December"


def _spelled_start_date(study: dict[str, Any]) -> dict[str, Any]:
    struct = _module(study, "statusModule")["startDateStruct"]
    y, m, *_ = struct["date"].split("-")
    struct["date"] = f"{_MONTHS.split()[int(m) - 1]} {y}"
    return study


def _dates_differ(study: dict[str, Any]) -> bool:
    start, end = _date(study, "startDateStruct"), _date(study, "completionDateStruct")
    iso = re.compile(r"^\d{4}-\d{2}")
    return bool(iso.match(start) and iso.match(end)) and start[:7] < end[:7]


def _swapped_dates(study: dict[str, Any]) -> dict[str, Any]:
    status = _module(study, "statusModule")
    a, b = status["startDateStruct"], status["completionDateStruct"]
    a["date"], b["date"] = b["date"], a["date"]
    return study


def _arm_types(study: dict[str, Any]) -> list[dict[str, Any]]:
    arms = _module(study, "armsInterventionsModule").get("armGroups") or []
    return [a for a in arms if a.get("type") and a.get("label")]


def _title_case_arm_type(study: dict[str, Any]) -> dict[str, Any]:
    arm = _arm_types(study)[0]
    arm["type"] = arm["type"].replace("_", " ").title()
    return study


def _age(study: dict[str, Any]) -> str:
    return _module(study, "eligibilityModule").get("minimumAge") or ""


def _age_without_unit(study: dict[str, Any]) -> dict[str, Any]:
    elig = _module(study, "eligibilityModule")
    elig["minimumAge"] = elig["minimumAge"].split()[0]
    return study


# --- vocabulary mutations


def _class_with_broader(v: GraphView) -> tuple[Any, Any]:
    p = T("broaderDrugClass")
    a = v.subjects(p)[0]
    return a, v.value(a, p)


def _drug_class_cycle(v: GraphView) -> list[ox.Quad]:
    a, b = _class_with_broader(v)
    v.involve(a, b)
    return add(v.quads, v.name, (b, T("broaderDrugClass"), a))


def _endpoints_with_notation(v: GraphView) -> list[Any]:
    notation = ox.NamedNode(SKOS + "notation")
    return [e for e in v.instances("EndpointType") if v.value(e, notation) is not None]


def _duplicate_notation(v: GraphView) -> list[ox.Quad]:
    notation = ox.NamedNode(SKOS + "notation")
    a, b = _endpoints_with_notation(v)[:2]
    v.involve(a, b)
    return set_value(v, b, notation, v.value(a, notation))


def _code_as_string(v: GraphView) -> list[ox.Quad]:
    p = ox.NamedNode(SKOS + "exactMatch")
    drug = next(d for d in v.instances("Drug") if isinstance(v.value(d, p), ox.NamedNode))
    code = v.value(drug, p).value
    return set_value(v, drug, p, lit(code.rsplit("/", 1)[-1]))


def _label_without_language(v: GraphView) -> list[ox.Quad]:
    e = _endpoints_with_notation(v)[-1]
    return set_value(v, e, RDFS_LABEL, lit(v.text(e, RDFS_LABEL) or "endpoint"))


# ----------------------------------------------------------------------------- the registry

DEFECTS: list[Defect] = [
    # --- SHACL, graph-level
    Defect(
        "missing-primary-outcome",
        "An interventional study whose primary outcomes were all filed as secondary.",
        "shacl",
        shape("InterventionalStudyPrimaryOutcomeShape"),
        "Warning",
        applies=lambda v: _interventional(v) and bool(_outcomes(v, "PrimaryOutcome")),
        mutate=_no_primary_outcome,
    ),
    Defect(
        "negative-horizon-days",
        "A time frame's horizon in days is negative (a range or sign read wrongly).",
        "shacl",
        shape("TimeFrame-horizonDays"),
        applies=lambda v: bool(_positive_horizon_days(v)),
        mutate=_negative_horizon_days,
    ),
    Defect(
        "wrong-datatype-horizon-days",
        "A horizon in days written as a plain string instead of an xsd:decimal.",
        "shacl",
        shape("TimeFrame-horizonDays"),
        applies=lambda v: bool(_time_frames(v, "horizonDays")),
        mutate=_string_horizon_days,
    ),
    Defect(
        "phase-outside-value-set",
        "A study linked to the combined individual tkg:Phase_PHASE2_PHASE3.",
        "shacl",
        shape("Study-hasPhase"),
        applies=lambda v: bool(_real_phases(v)),
        mutate=_combined_phase,
    ),
    Defect(
        "two-brief-titles",
        "A study with a second brief title (its official title).",
        "shacl",
        shape("Study-briefTitle-unique"),
        applies=_has_official_title,
        mutate=_two_brief_titles,
    ),
    Defect(
        "outcome-without-role",
        "An outcome that lost its tkg:hasRole.",
        "shacl",
        shape("Outcome-hasRole"),
        applies=lambda v: bool(_outcomes(v, "SecondaryOutcome")),
        mutate=_outcome_without_role,
    ),
    Defect(
        "literal-where-iri-expected",
        "tkg:hasCondition pointing to the condition's label instead of its node.",
        "shacl",
        shape("Study-hasCondition"),
        applies=lambda v: v.value(v.study, T("hasCondition")) is not None,
        mutate=_literal_condition,
    ),
    Defect(
        "condition-without-label",
        "A condition node (described by this study only) without rdfs:label.",
        "shacl",
        shape("Condition-label"),
        "Warning",
        applies=lambda v: bool(_own_conditions(v, RDFS_LABEL.value)),
        mutate=_condition_without_label,
    ),
    Defect(
        "tumour-response-without-criteria",
        "A tumour-response outcome (ORR ...) whose assessment criteria link was lost.",
        "shacl",
        shape("TumourResponseCriteriaShape"),
        "Warning",
        applies=lambda v: bool(_criteria_outcomes(v)),
        mutate=_drop_criteria,
    ),
    Defect(
        "empty-outcome-measure",
        "An outcome whose measure title is the empty string.",
        "shacl",
        shape("Outcome-measure"),
        applies=lambda v: bool(_outcomes(v)),
        mutate=_empty_measure,
    ),
    Defect(
        "blank-node-outcome",
        "An outcome written as a blank node instead of study/<key>/outcome/<n>.",
        "shacl",
        shape("OutcomeShape"),
        applies=lambda v: bool(_outcomes(v)),
        mutate=_blank_outcome,
    ),
    Defect(
        "study-iri-not-canonical",
        "A study named study/nct... (lower case) instead of its NCT id.",
        "shacl",
        shape("StudyShape"),
        applies=lambda v: bool(v.nct_id),
        mutate=_lower_case_study_iri,
    ),
    Defect(
        "two-lead-sponsors",
        "A study with a second tkg:leadSponsor.",
        "shacl",
        shape("Study-leadSponsor"),
        applies=lambda v: v.value(v.study, T("leadSponsor")) is not None,
        mutate=_second_lead_sponsor,
    ),
    Defect(
        "intervention-without-position",
        "An intervention that lost its tkg:position.",
        "shacl",
        shape("Intervention-position"),
        applies=lambda v: bool(v.instances("Intervention")),
        mutate=lambda v: drop(v, v.instances("Intervention")[0], T("position")),
    ),
    Defect(
        "agent-not-in-vocabulary",
        "tkg:hasAgent pointing to a drug IRI the drug vocabulary does not define.",
        "shacl",
        shape("Intervention-hasAgent"),
        applies=lambda v: bool(_interventions_with(v, "hasAgent")),
        mutate=_unknown_agent,
    ),
    Defect(
        "endpoint-type-not-in-vocabulary",
        "tkg:hasEndpointType pointing to an endpoint IRI the vocabulary does not define.",
        "shacl",
        shape("Outcome-hasEndpointType"),
        applies=lambda v: bool(_plain_endpoint_outcomes(v)),
        mutate=_unknown_endpoint,
    ),
    Defect(
        "orphan-time-frame",
        "A time frame whose outcome no longer links to it.",
        "shacl",
        shape("TimeFrame-outcome"),
        applies=lambda v: any(v.value(o, T("hasTimeFrame")) for o in _outcomes(v)),
        mutate=_orphan_time_frame,
    ),
    Defect(
        "criterion-without-text",
        "An eligibility criterion without tkg:criterionText.",
        "shacl",
        shape("EligibilityCriterion-text"),
        applies=lambda v: bool(_criteria(v)),
        mutate=_criterion_without_text,
    ),
    Defect(
        "criterion-neither-inclusion-nor-exclusion",
        "An eligibility criterion typed only tkg:EligibilityCriterion.",
        "shacl",
        shape("EligibilityCriterionKindShape"),
        "Warning",
        applies=lambda v: bool(v.instances("InclusionCriterion")),
        mutate=_untyped_criterion,
    ),
    Defect(
        "malformed-mesh-id",
        "A condition's MeSH id without its zero padding (D3872 for D000003872).",
        "shacl",
        shape("Condition-meshId"),
        applies=lambda v: bool(_own_conditions(v, "meshId")),
        mutate=_short_mesh_id,
    ),
    Defect(
        "external-code-as-string",
        "A condition's skos:exactMatch written as a string instead of a MeSH IRI.",
        "shacl",
        shape("Condition-exactMatch"),
        applies=lambda v: bool(_own_conditions(v, SKOS + "exactMatch")),
        mutate=_string_exact_match,
    ),
    Defect(
        "study-graph-without-study",
        "A study graph that lost its tkg:describesStudy link.",
        "shacl",
        shape("StudyGraph-describesStudy"),
        applies=lambda v: v.value(v.name, T("describesStudy")) is not None,
        mutate=_drop_describes,
    ),
    Defect(
        "source-path-missing",
        "A study graph that no longer names its input file.",
        "shacl",
        shape("StudyGraph-sourcePath"),
        applies=lambda v: _graph_text(v, "sourcePath") is not None,
        mutate=_drop_source_path,
    ),
    Defect(
        "unknown-source-format",
        "A study graph whose source format is not one trialkg reads.",
        "shacl",
        shape("StudyGraph-knownSourceFormat"),
        "Warning",
        applies=lambda v: _graph_text(v, "sourceFormat") is not None,
        mutate=_unknown_source_format,
    ),
    Defect(
        "healthy-volunteers-as-string",
        "tkg:healthyVolunteers written as 'Yes'/'No' instead of an xsd:boolean.",
        "shacl",
        shape("Study-healthyVolunteers"),
        applies=lambda v: v.value(v.study, T("healthyVolunteers")) is not None,
        mutate=_string_healthy_volunteers,
    ),
    Defect(
        "phase-na-with-real-phase",
        "A study linked to tkg:Phase_NA besides a real phase.",
        "shacl",
        shape("StudyPhaseNAShape"),
        "Warning",
        applies=lambda v: bool(_real_phases(v)),
        mutate=_add_phase_na,
    ),
    Defect(
        "intervention-without-type",
        "An intervention that lost its tkg:interventionType.",
        "shacl",
        shape("Intervention-typeGiven"),
        "Warning",
        applies=lambda v: bool(_interventions_with(v, "interventionType")),
        mutate=_drop_intervention_type,
    ),
    Defect(
        "interventional-without-intervention",
        "An interventional study whose interventions were all lost.",
        "shacl",
        shape("InterventionalStudyInterventionShape"),
        "Warning",
        applies=lambda v: _interventional(v) and bool(v.instances("Intervention")),
        mutate=_drop_interventions,
    ),
    Defect(
        "study-without-label",
        "A study without rdfs:label (result tables show nothing for it).",
        "shacl",
        shape("Study-label"),
        applies=lambda v: v.value(v.study, RDFS_LABEL) is not None,
        mutate=_drop_study_label,
    ),
    Defect(
        "combination-with-one-agent",
        "A drug combination ('A + B') that resolves to one agent: a partner was lost.",
        "shacl",
        shape("CombinationInterventionShape"),
        "Warning",
        applies=lambda v: bool(_combinations(v)),
        mutate=_one_agent_left,
    ),
    # --- violation queries, graph-level
    Defect(
        "negative-horizon",
        "A time frame's xsd:duration horizon is negative (-P112D).",
        "query",
        "negative-horizon-violation",
        applies=lambda v: bool(_time_frames(v, "horizon")),
        mutate=_negative_horizon,
    ),
    Defect(
        "outcome-without-measure",
        "An outcome that lost its tkg:measure.",
        "query",
        "outcome-without-measure-violation",
        applies=lambda v: bool(_outcomes(v)),
        mutate=_drop_measure,
    ),
    Defect(
        "duplicate-nct-id",
        "A study that carries the NCT id of another study of the corpus (its partner).",
        "query",
        "duplicate-nct-id-violation",
        applies=lambda v: bool(v.nct_id),
        partners=1,
        applies_partner=lambda v: bool(v.nct_id),
        mutate=_partner_nct_id,
    ),
    Defect(
        "nct-id-iri-mismatch",
        "A study whose NCT id has two digits transposed, so it no longer matches its IRI.",
        "query",
        "nct-id-iri-mismatch-violation",
        applies=_has_transposable_nct,
        mutate=_transposed_nct_id,
    ),
    Defect(
        "shared-child-node",
        "A study linking to an outcome of another study (its partner) with tkg:hasOutcome.",
        "query",
        "shared-child-node-violation",
        applies=lambda v: v.study is not None,
        partners=1,
        applies_partner=lambda v: bool(_outcomes(v)),
        mutate=_link_partner_outcome,
    ),
    # --- SHACL, record-level (the defect is in the input JSON; the reader keeps it)
    Defect(
        "bad-nct-id-pattern",
        "An NCT id with 7 digits in the JSON (the study is then named from its title).",
        "shacl",
        shape("Study-nctId"),
        applies_record=lambda s: bool(_module(s, "identificationModule").get("nctId")),
        mutate_record=_short_nct_id,
    ),
    Defect(
        "enrollment-negative",
        "A negative enrollment count in the JSON.",
        "shacl",
        shape("Study-enrollment"),
        applies_record=lambda s: (_enrollment(s) or 0) > 0,
        mutate_record=_negative_enrollment,
    ),
    Defect(
        "enrollment-zero-not-withdrawn",
        "Enrollment count 0 in the JSON of a study that is not withdrawn.",
        "shacl",
        shape("StudyEnrollmentPositiveShape"),
        "Warning",
        applies_record=lambda s: (_enrollment(s) or 0) > 0 and _status(s) != "WITHDRAWN",
        mutate_record=_zero_enrollment,
    ),
    Defect(
        "status-not-api-code",
        "overallStatus spelled as on the website ('Recruiting') instead of the API code.",
        "shacl",
        shape("Study-overallStatus"),
        applies_record=lambda s: bool(_status(s)),
        mutate_record=_title_case_status,
    ),
    Defect(
        "start-date-not-iso",
        "A start date written 'December 2024' instead of an ISO date.",
        "shacl",
        shape("Study-startDate"),
        applies_record=lambda s: bool(re.match(r"^\d{4}-\d{2}", _date(s, "startDateStruct"))),
        mutate_record=_spelled_start_date,
    ),
    Defect(
        "completion-before-start",
        "Start and completion dates swapped in the JSON.",
        "shacl",
        shape("StudyDateOrderShape"),
        "Warning",
        applies_record=_dates_differ,
        mutate_record=_swapped_dates,
    ),
    Defect(
        "arm-type-not-api-code",
        "An arm group type spelled 'Experimental' instead of the API code.",
        "shacl",
        shape("Arm-armType"),
        applies_record=lambda s: bool(_arm_types(s)),
        mutate_record=_title_case_arm_type,
    ),
    Defect(
        "minimum-age-without-unit",
        "A minimum age of '18' (no unit) in the JSON.",
        "shacl",
        shape("Study-minimumAge"),
        "Warning",
        applies_record=lambda s: bool(re.match(r"^\d+ \w+$", _age(s))),
        mutate_record=_age_without_unit,
    ),
    # --- SHACL, vocabulary graph
    Defect(
        "drug-class-cycle",
        "Two drug classes each the broader class of the other.",
        "shacl",
        shape("DrugClassAcyclicShape"),
        vocabulary=True,
        mutate=_drug_class_cycle,
    ),
    Defect(
        "duplicate-vocabulary-notation",
        "Two endpoint types with the same skos:notation.",
        "shacl",
        shape("VocabularyNotationUniqueShape"),
        vocabulary=True,
        mutate=_duplicate_notation,
    ),
    Defect(
        "vocabulary-code-as-string",
        "A drug's skos:exactMatch written as a string instead of an IRI.",
        "shacl",
        shape("VocabularyTerm-exactMatch"),
        vocabulary=True,
        mutate=_code_as_string,
    ),
    Defect(
        "vocabulary-label-without-language",
        "An endpoint type's rdfs:label without its @en tag.",
        "shacl",
        shape("VocabularyTerm-label"),
        vocabulary=True,
        mutate=_label_without_language,
    ),
]

# ----------------------------------------------------------------------------- check-side kinds
# Caught by `trialkg check` (kg/check.py); ``severity`` is the check's level.


def _prose(study: dict[str, Any]) -> str:
    d = _module(study, "descriptionModule")
    return " ".join(x for x in (d.get("briefSummary"), d.get("detailedDescription")) if x)


def _design(study: dict[str, Any]) -> Any:
    from kg.text.design import design_from_text

    return design_from_text(_prose(study))


def _replace_in_prose(study: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    d = _module(study, "descriptionModule")
    for key in ("briefSummary", "detailedDescription"):
        if d.get(key) and old in d[key]:
            d[key] = d[key].replace(old, new)
    return study


def _phase_codes(study: dict[str, Any]) -> list[str]:
    return list(_module(study, "designModule").get("phases") or [])


def _states_its_phase(study: dict[str, Any]) -> bool:
    """The prose names a phase and the registry agrees (no finding before seeding)."""
    from kg.text.design import compare_with_structured

    f = _design(study)
    phases = _phase_codes(study)
    return bool(f.phase_text and phases and "NA" not in phases) and not any(
        x["kind"] == "phase-conflict" for x in compare_with_structured(f, phases, None, None)
    )


def _contradict_phase(study: dict[str, Any]) -> dict[str, Any]:
    """The registry's phase changed to one the prose does not state (a data-entry error)."""
    stated = _phase_codes(study)
    _module(study, "designModule")["phases"] = ["PHASE1"] if "PHASE1" not in stated else ["PHASE4"]
    return study


def _states_enrollment(study: dict[str, Any]) -> bool:
    f = _design(study)
    n = _enrollment(study)
    return bool(f.planned_enrollment and n and 0.5 <= n / f.planned_enrollment <= 2)


def _contradict_enrollment(study: dict[str, Any]) -> dict[str, Any]:
    _module(study, "designModule")["enrollmentInfo"]["count"] = (
        _design(study).planned_enrollment * 10
    )
    return study


def _plausible_dose(study: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in _design(study).regimens
            if r.get("dose") and r.get("unit_ok") and r.get("dose_text") in _prose(study)
        ),
        None,
    )


def _implausible_unit(study: dict[str, Any]) -> dict[str, Any]:
    """A dose written with a mass-per-mass unit ('200 mg/mg'), a typo seen in real records."""
    r = _plausible_dose(study)
    assert r is not None
    return _replace_in_prose(study, r["dose_text"], f"{r['dose']:g} mg/mg")


def _fitting_interval(study: dict[str, Any]) -> dict[str, Any] | None:
    from kg.text.design import fits_cycle

    f = _design(study)
    if not f.cycle_days:
        return None
    return next(
        (
            r
            for r in f.regimens
            if r.get("interval_days")
            and r.get("interval_text")
            and r["interval_text"] in _prose(study)
            and fits_cycle(r["interval_days"], f.cycle_days)
            and not any(x["kind"] == "interval-vs-cycle" for x in f.findings)
        ),
        None,
    )


def _break_cycle(study: dict[str, Any]) -> dict[str, Any]:
    """The dosing interval changed to one that neither divides nor spans the cycle."""
    r = _fitting_interval(study)
    assert r is not None
    return _replace_in_prose(study, r["interval_text"], "every 10 days")


def _flat_line(parts: Iterable[Any]) -> str:
    return " ".join(", ".join(str(p) for p in parts if p).split())


def _write_json_and_flat(batch: list[dict[str, Any]], folder: Path) -> list[Path]:
    """The study as API v2 JSON and again as a seed flat file (which carries no NCT id)."""
    study = batch[0]
    ident = _module(study, "identificationModule")
    desc = _module(study, "descriptionModule")
    conds = _module(study, "conditionsModule").get("conditions") or []
    arms = _module(study, "armsInterventionsModule").get("interventions") or []
    outs = _module(study, "outcomesModule")

    def outcomes(key: str) -> str:
        return " | ".join(
            _flat_line((o.get("measure"), o.get("description"), o.get("timeFrame")))
            for o in outs.get(key) or []
        )

    lines = [
        _flat_line([ident.get("briefTitle")]),
        _flat_line([desc.get("briefSummary")]),
        " | ".join(_flat_line([c]) for c in conds),
        " | ".join(f"{i.get('type', 'OTHER')}: {_flat_line([i.get('name')])}" for i in arms),
        outcomes("primaryOutcomes"),
        outcomes("secondaryOutcomes"),
        _flat_line([desc.get("detailedDescription") or desc.get("briefSummary")]),
    ]
    flat = folder / "same-trial-flat-and-json.txt"
    flat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [*_write_json(batch, folder, "same-trial-flat-and-json"), flat]


def _drop_conditions(v: GraphView) -> list[ox.Quad]:
    return drop(drop(v, v.study, T("hasCondition")), v.study, T("meshCondition"))


def _assessed(v: GraphView) -> list[Any]:
    return [o for o in v.instances("Outcome") if v.value(o, T("assessedBy")) is not None]


def _undeclared_criteria(v: GraphView) -> list[ox.Quad]:
    o = _assessed(v)[0]
    old = v.value(o, T("assessedBy"))
    return rename_object(
        v.quads, o, T("assessedBy"), old, ox.NamedNode(VOCAB + "criteria/recist-9")
    )


def _os_outcomes(v: GraphView) -> list[Any]:
    os_type = ox.NamedNode(VOCAB + "endpoint/os")
    return [
        o
        for o in v.instances("Outcome")
        if v.objects(o, T("hasEndpointType")) == [os_type] and not v.objects(o, T("assessedBy"))
    ]


def _recist_for_survival(v: GraphView) -> list[ox.Quad]:
    """Overall survival 'assessed by RECIST 1.1': RECIST judges tumour response, not death."""
    return add(
        v.quads,
        v.name,
        (_os_outcomes(v)[0], T("assessedBy"), ox.NamedNode(VOCAB + "criteria/recist-1.1")),
    )


def _endpoint_with_broader(v: GraphView) -> tuple[Any, Any]:
    p = T("broaderEndpointType")
    narrower = [e for e in v.instances("EndpointType") if v.value(e, p) is not None]
    a = narrower[len(narrower) // 2]  # clear of the first and last, which other kinds edit
    return a, v.value(a, p)


def _endpoint_cycle(v: GraphView) -> list[ox.Quad]:
    a, b = _endpoint_with_broader(v)
    v.involve(a, b)
    return add(v.quads, v.name, (b, T("broaderEndpointType"), a))


def _coded_drug(v: GraphView) -> tuple[Any, Any]:
    p = ox.NamedNode(SKOS + "exactMatch")
    drug = next(
        d
        for d in reversed(v.instances("Drug"))
        if any(isinstance(c, ox.NamedNode) for c in v.objects(d, p))
    )
    return drug, next(c for c in v.objects(drug, p) if isinstance(c, ox.NamedNode))


def _split_drug(v: GraphView) -> list[ox.Quad]:
    """A second node for a drug already in the vocabulary, sharing its code."""
    drug, code = _coded_drug(v)
    twin = ox.NamedNode(drug.value + "-2")
    label = v.text(drug, RDFS_LABEL) or drug.value.rsplit("/", 1)[-1]
    v.involve(drug, twin)
    triples = [
        (twin, RDF_TYPE, T("Drug")),
        (twin, RDFS_LABEL, lit(label.upper(), language="en")),
        (twin, ox.NamedNode(SKOS + "exactMatch"), code),
    ]
    triples += [(twin, T("inDrugClass"), c) for c in v.objects(drug, T("inDrugClass"))]
    return add(v.quads, v.name, *triples)


def _drug_out_of_class(v: GraphView) -> list[ox.Quad]:
    """A drug whose tkg:inDrugClass links are lost (one from the middle of the list)."""
    drugs = v.instances("Drug")
    drug = next(d for d in drugs[len(drugs) // 2 :] if v.objects(d, T("inDrugClass")))
    v.involve(drug)
    return drop(v, drug, T("inDrugClass"))


CHECK_DEFECTS: list[Defect] = [
    Defect(
        "phase-contradicts-prose",
        "The registry phase changed so that the study's own summary contradicts it.",
        "check",
        "prose-contradiction",
        "warning",
        applies_record=_states_its_phase,
        mutate_record=_contradict_phase,
    ),
    Defect(
        "enrollment-contradicts-prose",
        "Enrollment ten times what the summary says will be enrolled.",
        "check",
        "prose-contradiction",
        "warning",
        applies_record=_states_enrollment,
        mutate_record=_contradict_enrollment,
    ),
    Defect(
        "implausible-dose-unit",
        "A dose in the summary written with a mass-per-mass unit ('200 mg/mg').",
        "check",
        "implausible-unit",
        "warning",
        applies_record=lambda s: _plausible_dose(s) is not None,
        mutate_record=_implausible_unit,
    ),
    Defect(
        "interval-breaks-cycle",
        "The dosing interval in the prose changed to 'every 10 days' against a 21- or 28-day cycle.",
        "check",
        "interval-vs-cycle",
        "warning",
        applies_record=lambda s: _fitting_interval(s) is not None,
        mutate_record=_break_cycle,
    ),
    Defect(
        "same-trial-flat-and-json",
        "One trial entered twice: as API v2 JSON and as a flat file (no NCT id).",
        "check",
        "duplicate-trial",
        "error",
        mutate_record=lambda s: s,
        write_record=_write_json_and_flat,
    ),
    Defect(
        "study-without-condition",
        "A study graph that lost its condition links.",
        "check",
        "study-unreachable",
        "warning",
        applies=lambda v: bool(v.objects(v.study, T("hasCondition"))),
        mutate=_drop_conditions,
    ),
    Defect(
        "undeclared-criteria",
        "An outcome assessed by criteria that are not in the vocabulary (criteria:recist-9).",
        "check",
        "dangling-vocabulary",
        "error",
        applies=lambda v: bool(_assessed(v)),
        mutate=_undeclared_criteria,
    ),
    Defect(
        "recist-for-survival",
        "An overall-survival outcome assessed by RECIST 1.1.",
        "check",
        "criteria-endpoint-mismatch",
        "warning",
        applies=lambda v: bool(_os_outcomes(v)),
        mutate=_recist_for_survival,
    ),
    Defect(
        "endpoint-type-cycle",
        "An endpoint type made broader than its own broader type.",
        "check",
        "class-hierarchy-cycle",
        "error",
        vocabulary=True,
        mutate=_endpoint_cycle,
    ),
    Defect(
        "drug-split-in-two",
        "A second vocabulary node for an existing drug, with the same code.",
        "check",
        "split-drug",
        "error",
        vocabulary=True,
        mutate=_split_drug,
    ),
    Defect(
        "drug-without-class",
        "A drug that lost its drug class.",
        "check",
        "orphan-vocabulary",
        "warning",
        vocabulary=True,
        mutate=_drug_out_of_class,
    ),
]
DEFECTS.extend(CHECK_DEFECTS)
assert all(d.expect in CHECKS_BY_ID for d in CHECK_DEFECTS)


def by_name(defects: Iterable[Defect] = ()) -> dict[str, Defect]:
    """The kinds by name (``DEFECTS`` when none are given); names must be unique."""
    out: dict[str, Defect] = {}
    for d in defects or DEFECTS:
        if d.name in out:
            raise ValueError(f"two defect kinds named {d.name!r}")
        out[d.name] = d
    return out


# ----------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class Target:
    """Where one kind was injected.

    ``graphs`` and ``studies`` are the IRIs of the mutated study graphs and their
    studies as they are after the mutation (a record-level defect can rename a
    study); ``partners`` the graph and study IRIs of the other studies the kind
    drags in (left unchanged, but findings about them are expected); ``nodes`` the
    vocabulary nodes a vocabulary kind touched; ``nct_id`` the record it came from.
    """

    defect: Defect
    nct_id: str | None
    graphs: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    partner_studies: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()


@dataclass
class SeededCorpus:
    """A real corpus with every kind injected once; see :func:`seed_corpus`."""

    clean_nq: Path
    """The clean build's ``trials.nq`` (every record unmutated)."""
    nq: Path
    """The mutated dataset: vocabulary graph + every study graph, one N-Quads file."""
    targets: dict[str, Target]
    excluded: dict[str, str]
    studies: int = 0
    clean_graphs: tuple[str, ...] = ()
    """Study graphs no kind touched."""

    def involved_graphs(self) -> set[str]:
        return {g for t in self.targets.values() for g in t.graphs + t.partners}

    def owners(self, r: Result, proper: bool = False) -> set[str]:
        """Names of the kinds a result concerns (``proper``: not only as a partner).

        A SHACL result of a study graph concerns the kinds that mutated that graph;
        a violation-query row (which names no graph) concerns the kinds whose study
        IRIs it mentions; a result on the vocabulary concerns the vocabulary kinds
        whose nodes it is about.
        """
        out = set()
        text = " ".join(x for x in (r.focus, r.study_iri or "", r.message) if x)
        for name, t in self.targets.items():
            graphs = t.graphs if proper else t.graphs + t.partners
            studies = t.studies if proper else t.studies + t.partner_studies
            if t.defect.scope == "vocabulary":
                if r.graph is None and r.study is None and r.focus in t.nodes:
                    out.add(name)
            elif r.graph is not None:
                if r.graph in graphs:
                    out.add(name)
            elif r.shape.startswith(QUERY_NS) and any(s in text for s in studies):
                out.add(name)
        return out


def load_studies(inputs: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """API v2 JSON studies under ``inputs`` (files or folders), by NCT id, in input order."""
    out: dict[str, dict[str, Any]] = {}
    for p in inputs:
        files = sorted(p.rglob("*.json")) if p.is_dir() else [p]
        for f in files:
            doc = json.loads(f.read_text(encoding="utf-8-sig"))
            studies = doc if isinstance(doc, list) else doc.get("studies", [doc])
            for s in studies:
                nct = _module(s, "identificationModule").get("nctId")
                if nct and nct not in out:
                    out[nct] = s
    return out


def _write_json(studies: list[dict[str, Any]], folder: Path, name: str) -> list[Path]:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(studies, ensure_ascii=False), encoding="utf-8")
    return [path]


def _write_json_writer(name: str) -> RecordWriter:
    return lambda batch, folder: _write_json(batch, folder, "record-" + name)


def _graph_runs(path: Path) -> dict[ox.NamedNode, list[ox.Quad]]:
    runs: dict[ox.NamedNode, list[ox.Quad]] = {}
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        runs.setdefault(q.graph_name, []).append(q)
    return runs


def _build(inputs: list[Path], out: Path) -> None:
    from kg.build import build

    report = build(inputs, out, progress=False)
    if report.rejected:
        raise AssertionError(f"{out}: records rejected while seeding defects:\n{report.summary()}")


def seed_corpus(
    inputs: Sequence[Path],
    workdir: Path,
    defects: Sequence[Defect] | None = None,
    exclude: Mapping[str, str] | None = None,
) -> SeededCorpus:
    """Build the API v2 JSON studies under ``inputs`` and inject every kind once.

    Studies in ``exclude`` (NCT id -> reason) are left out. Each kind gets its own
    target study: the first, in NCT-id order, not yet taken that it ``applies`` to
    (record-level kinds choose first, from the JSON; then graph-level kinds, from
    the clean graphs). Raises when a kind finds no target, when its mutation
    changes nothing, or when the reader rejects a mutated record (then the defect
    never reaches the graph: it is not a shape-side kind).
    """
    defects = list(by_name(defects if defects is not None else DEFECTS).values())
    exclude = dict(exclude or {})
    workdir.mkdir(parents=True, exist_ok=True)
    studies = {k: v for k, v in load_studies(inputs).items() if k not in exclude}
    order = sorted(studies)

    # 1. Record-level kinds: mutated copies of their target's JSON, each in its own file(s).
    records_dir = workdir / "records"
    records_dir.mkdir(exist_ok=True)
    taken: set[str] = set()
    record_files: dict[str, list[Path]] = {}
    record_nct: dict[str, str] = {}
    for d in defects:
        if d.scope != "record":
            continue
        nct = next(
            (n for n in order if n not in taken and (d.applies_record or bool)(studies[n])),
            None,
        )
        if nct is None:
            raise AssertionError(f"{d.name}: no study of the corpus has what the defect needs")
        taken.add(nct)
        assert d.mutate_record is not None
        mutated = d.mutate_record(copy.deepcopy(studies[nct]))
        batch = mutated if isinstance(mutated, list) else [mutated]
        if batch == [studies[nct]] and d.write_record is None:
            raise AssertionError(f"{d.name}: the record mutation changed nothing")
        record_files[d.name] = (d.write_record or _write_json_writer(d.name))(batch, records_dir)
        record_nct[d.name] = nct
    all_files = _write_json([studies[n] for n in order], workdir, "clean-corpus")

    # 2. Build the clean corpus (the baseline) and, apart, the mutated records; the
    #    seeded dataset takes every clean study graph but those of the record targets.
    _build(all_files, workdir / "clean")
    runs = _graph_runs(workdir / "clean" / "trials.nq")
    vocab = runs.pop(VOCAB_GRAPH, [])
    runs = {g: q for g, q in runs.items() if GraphView(g, q).nct_id not in taken}
    if record_files:
        _build([f for fs in record_files.values() for f in fs], workdir / "records-build")
        extra = _graph_runs(workdir / "records-build" / "trials.nq")
        extra.pop(VOCAB_GRAPH, None)
        clash = set(extra) & set(runs)
        if clash:
            raise AssertionError(f"mutated records clash with clean studies: {sorted(clash)}")
        runs.update(extra)
    owners: dict[Any, int] = defaultdict(int)
    for quads in runs.values():
        for s in {q.subject for q in quads}:
            owners[s] += 1
    views = {g: GraphView(g, quads, owners) for g, quads in runs.items()}

    targets: dict[str, Target] = {}
    by_file: dict[str, ox.NamedNode] = {}
    for g, v in views.items():
        path = v.text(g, T("sourcePath"))
        if path:
            by_file[Path(path).name] = g
    used: set[ox.NamedNode] = set()
    for name, files in record_files.items():
        graphs = [by_file[f.name] for f in files if f.name in by_file]
        if not graphs:
            raise AssertionError(f"{name}: the mutated record was not built")
        used.update(graphs)
        targets[name] = Target(
            defect=by_name(defects)[name],
            nct_id=record_nct[name],
            graphs=tuple(g.value for g in graphs),
            studies=tuple(views[g].study.value for g in graphs if views[g].study is not None),
        )

    # 3. Graph-level kinds: one untaken study graph each (plus partners), in graph-IRI order.
    new_quads: dict[ox.NamedNode, list[ox.Quad]] = {}
    graph_order = sorted(views, key=lambda g: g.value)
    for d in defects:
        if d.scope != "study":
            continue
        pick = next(
            (g for g in graph_order if g not in used and _applies(d.applies, views[g])), None
        )
        if pick is None:
            raise AssertionError(f"{d.name}: no study graph of the corpus has what it needs")
        used.add(pick)
        partners = []
        for _ in range(d.partners):
            p = next(
                (g for g in graph_order if g not in used and _applies(d.applies_partner, views[g])),
                None,
            )
            if p is None:
                raise AssertionError(f"{d.name}: no partner study graph left")
            used.add(p)
            partners.append(p)
        view = GraphView(pick, views[pick].quads, owners, [views[p] for p in partners])
        assert d.mutate is not None
        out = d.mutate(view)
        if set(out) == set(view.quads):
            raise AssertionError(f"{d.name}: the mutation changed nothing in {pick.value}")
        if any(q.graph_name != pick for q in out):
            raise AssertionError(f"{d.name}: a mutation must keep its quads in {pick.value}")
        new_quads[pick] = out
        after = GraphView(pick, out)
        study = after.study or views[pick].study
        targets[d.name] = Target(
            defect=d,
            nct_id=views[pick].nct_id,
            graphs=(pick.value,),
            studies=(study.value,) if study is not None else (),
            partners=tuple(p.value for p in partners),
            partner_studies=tuple(views[p].study.value for p in partners),
        )

    # 4. Vocabulary kinds: one after another on the vocabulary graph, each on its own nodes.
    touched: set[Any] = set()
    for d in defects:
        if d.scope != "vocabulary":
            continue
        view = GraphView(VOCAB_GRAPH, vocab, owners)
        assert d.mutate is not None
        out = d.mutate(view)
        diff = set(out) ^ set(vocab)
        if not diff:
            raise AssertionError(f"{d.name}: the mutation changed nothing in the vocabulary")
        nodes = {q.subject for q in diff} | view.involved
        if nodes & touched:
            raise AssertionError(f"{d.name}: touches nodes another vocabulary kind touched")
        touched |= nodes
        vocab = out
        targets[d.name] = Target(defect=d, nct_id=None, nodes=tuple(sorted(n.value for n in nodes)))

    # 5. The mutated dataset, in the layout of a build's trials.nq.
    nq = workdir / "seeded.nq"
    with open(nq, "wb") as fh:
        fh.write(nquads_bytes(vocab))
        for g, quads in runs.items():
            fh.write(nquads_bytes(new_quads.get(g, quads)))
    partner_graphs = {p for t in targets.values() for p in t.partners}
    involved = {g for t in targets.values() for g in t.graphs} | partner_graphs
    return SeededCorpus(
        clean_nq=workdir / "clean" / "trials.nq",
        nq=nq,
        targets={d.name: targets[d.name] for d in defects if d.name in targets},
        excluded=exclude,
        studies=len(runs),
        clean_graphs=tuple(sorted(g.value for g in runs if g.value not in involved)),
    )


def _applies(pred: Callable[[GraphView], bool] | None, view: GraphView) -> bool:
    if view.study is None:
        return False
    return True if pred is None else bool(pred(view))
