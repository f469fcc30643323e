"""Graph-based consistency checks (``trialkg check``), with networkx.

SHACL (``trialkg validate``) judges each node against its shape. These checks
look at the graph as a whole: how studies hang off conditions, interventions
and outcomes, whether the drug-class and endpoint hierarchies are acyclic,
whether one drug or one trial was entered twice, whether a record's
structured fields and prose agree, and how trials cluster by the drug classes
and endpoints they share.

Every check has an id, a severity (``error`` makes the graph wrong,
``warning`` is for a curator, ``info`` is structure), a description, and
findings that name the nodes and say how to fix them. The data is read with a
handful of SPARQL queries over the union of all graphs (a build's embedded
store, or any RDF file loaded into memory), then analysed in networkx.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
import networkx as nx
import pyoxigraph as ox

from kg.errors import InputError, ValidationFailed, handle_errors
from kg.rdf import TKG, VOCAB, normalize_title
from kg.text.design import fits_cycle
from kg.validate import compact, text_table, write_report

SEVERITIES = ("error", "warning", "info")
_RANK = {"error": 3, "warning": 2, "info": 1}

_PREFIXES = """PREFIX tkg: <https://w3id.org/trialkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# Kinds of text-stage finding (tkg:DataQualityFinding) that say a record's
# structured fields and its prose disagree.
CONTRADICTION_KINDS = frozenset(
    {
        "phase-conflict",
        "masking-conflict",
        "allocation-conflict",
        "enrollment-conflict",
        "arms-conflict",
        "multicenter-conflict",
        "cycle-conflict",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing a check found: the nodes it is about and how to fix it."""

    check: str
    severity: str
    message: str
    fix: str
    nodes: tuple[str, ...] = ()
    study: str | None = None
    study_iri: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["nodes"] = list(self.nodes)
        return d


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    description: str
    fix: str
    run: Callable[[GraphData], list[Finding]]


@dataclass
class CheckReport:
    """What the checks found, plus the cross-trial structure."""

    source: str
    studies: int
    checks: list[Check]
    findings: list[Finding] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    fail_on: str = "error"

    def counts(self) -> dict[str, int]:
        c = Counter(f.check for f in self.findings)
        return {ch.id: c.get(ch.id, 0) for ch in self.checks}

    @property
    def failing(self) -> list[Finding]:
        limit = _RANK[self.fail_on]
        return [f for f in self.findings if _RANK[f.severity] >= limit]

    @property
    def ok(self) -> bool:
        return not self.failing

    def summary(self) -> str:
        by_sev = Counter(f.severity for f in self.findings)
        found = ", ".join(
            f"{by_sev.get(s, 0)} {s}{'' if by_sev.get(s) == 1 else 's'}" for s in SEVERITIES
        )
        verdict = "passes" if self.ok else "FAILS"
        return (
            f"{self.source}: {len(self.checks)} checks on {self.studies} studies in "
            f"{self.seconds:.1f} s: {found}; {verdict} at level {self.fail_on}"
        )

    def to_json(self) -> str:
        data = {
            "source": self.source,
            "ok": self.ok,
            "fail_on": self.fail_on,
            "studies": self.studies,
            "seconds": round(self.seconds, 3),
            "checks": [
                {
                    "id": c.id,
                    "severity": c.severity,
                    "description": c.description,
                    "findings": self.counts()[c.id],
                }
                for c in self.checks
            ],
            "findings": [f.to_dict() for f in self.findings],
            "structure": self.structure,
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_table(self, max_rows: int = 10) -> str:
        counts = self.counts()
        lines = [self.summary(), ""]
        rows = [
            {
                "check": c.id,
                "level": c.severity,
                "findings": str(counts[c.id]),
                "what it looks for": c.description,
            }
            for c in self.checks
        ]
        lines += text_table(["check", "level", "findings", "what it looks for"], rows, width=90)
        by_check: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            by_check[f.check].append(f)
        for c in self.checks:
            fs = by_check.get(c.id)
            if not fs:
                continue
            lines += ["", f"[{c.severity}] {c.id}: {len(fs)} finding{'s' if len(fs) > 1 else ''}"]
            lines.append(f"  fix: {fs[0].fix}")
            shown = [
                {
                    "study": f.study or "-",
                    "message": f.message,
                    "nodes": ", ".join(compact(n) for n in f.nodes[:3])
                    + (" ..." if len(f.nodes) > 3 else ""),
                }
                for f in fs[:max_rows]
            ]
            lines += ["  " + x for x in text_table(["study", "message", "nodes"], shown)]
            if len(fs) > max_rows:
                lines.append(f"  ... and {len(fs) - max_rows} more (--format json lists all)")
        lines += ["", *_structure_lines(self.structure)]
        return "\n".join(lines).rstrip() + "\n"

    def render(self, fmt: str = "table", max_rows: int = 10) -> str:
        return self.to_json() if fmt == "json" else self.to_table(max_rows)


def _structure_lines(s: dict[str, Any]) -> list[str]:
    if not s:
        return []
    comp = s["components"]
    lines = [
        "Cross-trial structure (trials linked by the drug classes and primary endpoint "
        "types they share):",
        f"  {comp['count']} connected components; largest {comp['sizes'][:5]} trials; "
        f"{comp['isolated']} trials share nothing with any other",
        f"  {len(s['communities'])} communities (Louvain, seed 0):",
    ]
    for k, c in enumerate(s["communities"][:10], 1):
        feats = ", ".join(compact(f) for f in c["top_features"])
        lines.append(f"    {k:>2}. {c['trials']:>6} trials  {feats}")
    if len(s["communities"]) > 10:
        lines.append(f"    ... and {len(s['communities']) - 10} more (--format json lists all)")
    return lines


# ----------------------------------------------------------------------------- data


@dataclass
class Study:
    iri: str
    nct: str | None = None
    title: str | None = None
    source: str | None = None

    @property
    def name(self) -> str:
        return self.nct or self.title or self.iri


class GraphData:
    """The parts of a graph the checks need, read once with SPARQL."""

    def __init__(self, store: ox.Store, label: str) -> None:
        self.store = store
        self.label = label
        self.studies: dict[str, Study] = {}
        for r in self.rows(
            """SELECT ?s ?nct ?title ?source WHERE { ?s a tkg:Study .
               OPTIONAL { ?s tkg:nctId ?nct } OPTIONAL { ?s tkg:briefTitle ?title }
               OPTIONAL { ?g tkg:describesStudy ?s ; tkg:sourcePath ?source } }"""
        ):
            st = self.studies.setdefault(r["s"], Study(r["s"]))
            st.nct = st.nct or r["nct"]
            st.title = st.title or r["title"]
            st.source = st.source or r["source"]

    @functools.cached_property
    def regimens(self) -> list[dict[str, Any]]:
        """Every dosing regimen with its study's cycle length (two checks read them)."""
        return sorted(self.rows(_REGIMENS), key=lambda r: (r["s"], r["r"]))

    def rows(self, sparql: str) -> list[dict[str, Any]]:
        res = self.store.query(_PREFIXES + sparql, use_default_graph_as_union=True)
        cols = [v.value for v in res.variables]
        return [{c: (sol[c].value if sol[c] is not None else None) for c in cols} for sol in res]

    def pairs(self, sparql: str) -> list[tuple[str, str]]:
        return [(r["a"], r["b"]) for r in self.rows(sparql)]

    def finding(
        self, check_id: str, study_iri: str | None, message: str, nodes: Iterable[str] = ()
    ) -> Finding:
        check = CHECKS_BY_ID[check_id]
        st = self.studies.get(study_iri or "")
        return Finding(
            check=check.id,
            severity=check.severity,
            message=message,
            fix=check.fix,
            nodes=tuple(nodes),
            study=st.name if st else None,
            study_iri=study_iri,
            source=st.source if st else None,
        )


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------- checks


def _unreachable(d: GraphData) -> list[Finding]:
    g = nx.DiGraph()
    g.add_nodes_from(d.studies)
    # Links to IRIs only: whether the linked node has the right type is for SHACL
    # (typing the shared condition nodes would join every study graph's copy).
    for kind, sparql in (
        ("condition", "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasCondition ?b FILTER(isIRI(?b)) }"),
        (
            "intervention",
            "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasIntervention ?b FILTER(isIRI(?b)) }",
        ),
        (
            "primary outcome",
            "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasOutcome ?b . ?b tkg:hasRole tkg:PrimaryOutcome }",
        ),
    ):
        for a, b in d.pairs(sparql):
            g.add_edge(b, a)
            g.nodes[b]["kind"] = kind
    out = []
    for s in sorted(d.studies):
        kinds = {g.nodes[p].get("kind") for p in g.predecessors(s)}
        missing = [k for k in ("condition", "intervention", "primary outcome") if k not in kinds]
        if missing:
            out.append(
                d.finding(
                    "study-unreachable",
                    s,
                    f"no path from any {' / '.join(missing)} to this study",
                    [s],
                )
            )
    return out


_VOCAB_CLASSES = ("Drug", "DrugClass", "EndpointType", "AssessmentCriteria")
_VOCAB_LINKS = (
    "hasAgent",
    "mentionsDrugClass",
    "hasEndpointType",
    "assessedBy",
    "inDrugClass",
    "broaderDrugClass",
    "broaderEndpointType",
    "appliesToEndpointType",
    "measurableBy",
    "formulationOf",
)


def _declared(d: GraphData) -> dict[str, str]:
    types = " ".join(f"tkg:{c}" for c in _VOCAB_CLASSES)
    return {
        r["x"]: r["t"][len(TKG) :]
        for r in d.rows(f"SELECT ?x ?t WHERE {{ VALUES ?t {{ {types} }} ?x a ?t }}")
    }


def _dangling(d: GraphData) -> list[Finding]:
    declared = _declared(d)
    preds = " ".join(f"tkg:{p}" for p in _VOCAB_LINKS)
    used: dict[str, set[str]] = defaultdict(set)
    for r in d.rows(
        f"SELECT DISTINCT ?p ?o WHERE {{ VALUES ?p {{ {preds} }} ?s ?p ?o FILTER(isIRI(?o)) }}"
    ):
        if r["o"].startswith(VOCAB) and r["o"] not in declared:
            used[r["o"]].add(r["p"][len(TKG) :])
    owner: dict[str, str] = {}
    if used:
        values = " ".join(f"<{iri}>" for iri in used)
        for r in d.rows(
            f"SELECT ?o ?study WHERE {{ VALUES ?o {{ {values} }} VALUES ?p {{ {preds} }} "
            "?s ?p ?o . ?study a tkg:Study . "
            "{ ?study tkg:hasIntervention ?s } UNION { ?study tkg:hasOutcome ?s } "
            "UNION { ?study tkg:hasEligibilityCriterion ?s } }"
        ):
            owner[r["o"]] = min(owner.get(r["o"], r["study"]), r["study"])
    return [
        d.finding(
            "dangling-vocabulary",
            owner.get(iri),
            f"{compact(iri)} is used ({', '.join(sorted(used[iri]))}) but declared nowhere "
            "in the vocabulary",
            [iri],
        )
        for iri in sorted(used)
    ]


def _orphans(d: GraphData) -> list[Finding]:
    declared = _declared(d)
    g = nx.DiGraph()
    g.add_nodes_from(declared)
    for p in (
        "inDrugClass",
        "broaderDrugClass",
        "broaderEndpointType",
        "appliesToEndpointType",
        "formulationOf",
    ):
        g.add_edges_from(d.pairs(f"SELECT ?a ?b WHERE {{ ?a tkg:{p} ?b }}"))
    used = {b for _, b in d.pairs("SELECT DISTINCT ?a ?b WHERE { ?a tkg:mentionsDrugClass ?b }")}
    out = []
    for iri, kind in sorted(declared.items()):
        if kind == "Drug" and not any(declared.get(c) == "DrugClass" for c in g.successors(iri)):
            why = "this drug belongs to no drug class, so no class-level question can find it"
        elif kind == "DrugClass" and g.degree(iri) == 0 and iri not in used:
            why = "this drug class has no member drug, no broader and no narrower class"
        else:
            continue
        out.append(d.finding("orphan-vocabulary", None, why, [iri]))
    return out


def _cycles(d: GraphData) -> list[Finding]:
    out = []
    for p, what in (("broaderDrugClass", "drug-class"), ("broaderEndpointType", "endpoint-type")):
        g = nx.DiGraph(d.pairs(f"SELECT ?a ?b WHERE {{ ?a tkg:{p} ?b }}"))
        for comp in sorted(nx.strongly_connected_components(g), key=lambda c: sorted(c)):
            if len(comp) == 1 and not any(g.has_edge(n, n) for n in comp):
                continue
            cycle = [a for a, _ in nx.find_cycle(g.subgraph(comp))]
            path = " -> ".join(compact(n) for n in [*cycle, cycle[0]])
            out.append(
                d.finding(
                    "class-hierarchy-cycle",
                    None,
                    f"the {what} hierarchy (tkg:{p}) has a cycle: {path}",
                    sorted(comp),
                )
            )
    return out


def _drug_keys(d: GraphData) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = defaultdict(set)
    for r in d.rows(
        "SELECT ?x ?name WHERE { ?x a tkg:Drug . "
        "{ ?x rdfs:label ?name } UNION { ?x skos:altLabel ?name } }"
    ):
        n = normalize_title(r["name"])
        if n:
            keys[r["x"]].add("name:" + n)
    for r in d.rows("SELECT ?x ?code WHERE { ?x a tkg:Drug ; skos:exactMatch ?code }"):
        keys[r["x"]].add("code:" + r["code"])
    return keys


def _split_drugs(d: GraphData) -> list[Finding]:
    g = nx.Graph()
    for drug, ks in _drug_keys(d).items():
        for k in ks:
            g.add_edge(drug, k)
    out = []
    for comp in nx.connected_components(g):
        drugs = sorted(n for n in comp if not n.startswith(("name:", "code:")))
        if len(drugs) < 2:
            continue
        shared = sorted(
            k.split(":", 1)[1]
            for k in comp
            if k.startswith(("name:", "code:")) and sum(1 for _ in g.neighbors(k)) > 1
        )
        out.append(
            d.finding(
                "split-drug",
                None,
                f"{', '.join(compact(x) for x in drugs)} share {', '.join(shared[:4])}",
                drugs,
            )
        )
    return sorted(out, key=lambda f: f.nodes)


def _duplicates(d: GraphData) -> list[Finding]:
    """Two study nodes with one NCT id, or one title where a copy has no NCT id."""
    by_nct: dict[str, list[str]] = defaultdict(list)
    by_title: dict[str, list[str]] = defaultdict(list)
    for s, st in sorted(d.studies.items()):
        if st.nct:
            by_nct[st.nct.upper()].append(s)
        if st.title and normalize_title(st.title):
            by_title[normalize_title(st.title)].append(s)
    groups = [(f"NCT id {n}", ss) for n, ss in by_nct.items() if len(ss) > 1]
    groups += [
        ("the same normalized title", ss)
        for ss in by_title.values()
        if len(ss) > 1 and any(not d.studies[s].nct for s in ss)
    ]
    out = []
    for reason, studies in groups:
        srcs = "; ".join(f"{d.studies[s].name} from {d.studies[s].source or '?'}" for s in studies)
        out.append(
            d.finding(
                "duplicate-trial",
                studies[0],
                f"{len(studies)} study nodes share {reason}: {srcs}",
                studies,
            )
        )
    return sorted(out, key=lambda f: f.nodes)


def _same_title(d: GraphData) -> list[Finding]:
    groups: dict[str, list[str]] = defaultdict(list)
    for s, st in d.studies.items():
        if st.nct and st.title and normalize_title(st.title):
            groups[normalize_title(st.title)].append(s)
    out = []
    for _, studies in sorted(groups.items()):
        ncts = sorted({d.studies[s].nct.upper() for s in studies})
        if len(ncts) > 1:
            out.append(
                d.finding(
                    "same-title-trials",
                    sorted(studies)[0],
                    f"{', '.join(ncts)} have the same title: {d.studies[studies[0]].title!r}",
                    sorted(studies),
                )
            )
    return out


def _contradictions(d: GraphData) -> list[Finding]:
    kinds = " ".join(json.dumps(k) for k in sorted(CONTRADICTION_KINDS))
    out = []
    for r in d.rows(
        f"SELECT ?s ?f ?kind ?message WHERE {{ VALUES ?kind {{ {kinds} }} "
        "?s tkg:hasFinding ?f . ?f tkg:findingKind ?kind . OPTIONAL { ?f tkg:message ?message } }"
    ):
        out.append(
            d.finding(
                "prose-contradiction",
                r["s"],
                f"{r['kind']}: {r['message'] or ''}".rstrip(": "),
                [r["f"]],
            )
        )
    return sorted(out, key=lambda f: (f.study_iri or "", f.nodes))


_REGIMENS = """SELECT ?s ?r ?agent ?interval ?itext ?cycle ?dose ?unit ?ok WHERE {
  ?s tkg:hasRegimen ?r .
  OPTIONAL { ?r tkg:regimenAgentText ?agent } OPTIONAL { ?r tkg:intervalDays ?interval }
  OPTIONAL { ?r tkg:intervalText ?itext } OPTIONAL { ?s tkg:cycleDays ?cycle }
  OPTIONAL { ?r tkg:dose ?dose } OPTIONAL { ?r tkg:doseUnit ?unit }
  OPTIONAL { ?r tkg:doseUnitPlausible ?ok } }"""


def _interval_vs_cycle(d: GraphData) -> list[Finding]:
    out = []
    for r in d.regimens:
        iv, cycle = _num(r["interval"]), _num(r["cycle"])
        if not iv or not cycle or iv <= 0 or cycle <= 0 or fits_cycle(iv, cycle):
            continue
        out.append(
            d.finding(
                "interval-vs-cycle",
                r["s"],
                f"{r['agent'] or 'an agent'} is dosed every {iv:g} days"
                f"{' (' + repr(r['itext']) + ')' if r['itext'] else ''}, which neither divides nor "
                f"spans whole {cycle:g}-day cycles",
                [r["r"]],
            )
        )
    return out


def _units(d: GraphData) -> list[Finding]:
    out = []
    for r in d.regimens:
        if r["ok"] == "false":
            out.append(
                d.finding(
                    "implausible-unit",
                    r["s"],
                    f"dose {r['dose'] or '?'} {r['unit'] or ''} of {r['agent'] or 'an agent'}: "
                    f"{r['unit']!r} is not a unit a dose is given in",
                    [r["r"]],
                )
            )
    return out


def _criteria_fit(d: GraphData) -> list[Finding]:
    broader = nx.DiGraph(d.pairs("SELECT ?a ?b WHERE { ?a tkg:broaderEndpointType ?b }"))
    fits: dict[str, set[str]] = defaultdict(set)
    for c, e in d.pairs("SELECT ?a ?b WHERE { ?a tkg:appliesToEndpointType ?b }"):
        fits[c].add(e)
    out = []
    for r in sorted(
        d.rows(
            "SELECT ?s ?o ?e ?c ?measure WHERE { ?s tkg:hasOutcome ?o . "
            "?o tkg:hasEndpointType ?e ; tkg:assessedBy ?c . OPTIONAL { ?o tkg:measure ?measure } }"
        ),
        key=lambda r: (r["s"], r["o"], r["e"], r["c"]),
    ):
        if r["c"] not in fits:
            continue  # criteria that declare no scope fit any endpoint
        lineage = {r["e"]} | (nx.descendants(broader, r["e"]) if r["e"] in broader else set())
        if lineage & fits[r["c"]]:
            continue
        out.append(
            d.finding(
                "criteria-endpoint-mismatch",
                r["s"],
                f"outcome {r['measure']!r} is typed {compact(r['e'])} but assessed by "
                f"{compact(r['c'])}, which applies to "
                f"{', '.join(sorted(compact(x) for x in fits[r['c']]))}",
                [r["o"], r["c"]],
            )
        )
    return out


CHECKS: list[Check] = [
    Check(
        "study-unreachable",
        "warning",
        "studies with no condition, intervention or primary outcome linked to them",
        "check the source record's conditions, interventions and outcome measures; partial exports (e.g. CSV without outcomes) lose them: rebuild from the full record",
        _unreachable,
    ),
    Check(
        "dangling-vocabulary",
        "error",
        "drug, class, endpoint or criteria IRIs used but declared nowhere",
        "declare the node in ontology/vocab/*.ttl (with its label and class) or correct the IRI in the data",
        _dangling,
    ),
    Check(
        "orphan-vocabulary",
        "warning",
        "drugs in no class and classes with no members or neighbours",
        "give the drug its tkg:inDrugClass (or the class a tkg:broaderDrugClass) in ontology/vocab/; or delete the entry if nothing should use it",
        _orphans,
    ),
    Check(
        "class-hierarchy-cycle",
        "error",
        "the drug-class and endpoint-type hierarchies must be DAGs",
        "remove one tkg:broader... link of the cycle in ontology/vocab/ so each class has only broader ancestors",
        _cycles,
    ),
    Check(
        "split-drug",
        "error",
        "one drug split into two nodes that share a name or a code",
        "merge the nodes in ontology/vocab/drugs.ttl: keep one IRI, move the other's labels to skos:altLabel, and rebuild",
        _split_drugs,
    ),
    Check(
        "duplicate-trial",
        "error",
        "the same trial entered twice (same NCT id, or same title from an unnumbered source)",
        "drop one copy from the input (keep the source with the NCT id and full record) and rebuild; `trialkg build` rejects repeats of one NCT id, but an unnumbered copy (a flat file) cannot be matched by id",
        _duplicates,
    ),
    Check(
        "same-title-trials",
        "info",
        "different NCT ids registered under the same title (sister trials or re-registrations)",
        "usually legitimate (a trial and its extension, sister protocols); check that the two registrations are really different studies",
        _same_title,
    ),
    Check(
        "prose-contradiction",
        "warning",
        "structured fields that the record's own prose contradicts (phase, enrollment, arms...)",
        "read the record: correct the structured field or the prose at the source; the graph keeps the structured value",
        _contradictions,
    ),
    Check(
        "interval-vs-cycle",
        "warning",
        "dosing intervals that neither divide nor span the stated cycle length",
        "check the dosing schedule in the record (a typo in the interval or the cycle length is common)",
        _interval_vs_cycle,
    ),
    Check(
        "implausible-unit",
        "warning",
        "doses stated in units no dose is given in",
        "correct the dose unit at the source (e.g. mg/kg for mg/mg)",
        _units,
    ),
    Check(
        "criteria-endpoint-mismatch",
        "warning",
        "outcomes assessed with criteria that do not fit their endpoint type",
        "check the outcome's endpoint type and criteria: the criteria may be misnamed, or the endpoint misclassified (extend kg/text/endpoints.py if so)",
        _criteria_fit,
    ),
]
CHECKS_BY_ID = {c.id: c for c in CHECKS}


# ----------------------------------------------------------------------------- structure


def structure(d: GraphData, seed: int = 0) -> dict[str, Any]:
    """Components and communities of trials linked through shared drug classes and
    primary endpoint types (a bipartite trial-feature graph; features are drug
    classes, direct or mentioned, and primary endpoint types)."""
    g = nx.Graph()
    g.add_nodes_from(d.studies, bipartite=0)
    for sparql in (
        "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasIntervention/tkg:hasAgent/tkg:inDrugClass ?b }",
        "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasIntervention/tkg:mentionsDrugClass ?b }",
        "SELECT DISTINCT ?a ?b WHERE { ?a tkg:hasOutcome ?o . ?o tkg:hasRole tkg:PrimaryOutcome ;"
        " tkg:hasEndpointType ?b }",
    ):
        for a, b in sorted(d.pairs(sparql)):
            if a in d.studies:
                g.add_node(b, bipartite=1)
                g.add_edge(a, b)
    comps = sorted(
        (c for c in nx.connected_components(g) if any(n in d.studies for n in c)),
        key=lambda c: (-len(c), min(c)),
    )
    trial_sizes = [sum(1 for n in c if n in d.studies) for c in comps]
    isolated = sum(1 for n in trial_sizes if n == 1)
    linked = g.subgraph(n for n in g if g.degree(n) > 0)
    communities = []
    if linked.number_of_edges():
        found = nx.community.louvain_communities(linked, seed=seed)
        for c in found:
            trials = [n for n in c if n in d.studies]
            if not trials:
                continue
            feats = Counter(f for t in trials for f in g.neighbors(t))
            top = [f for f, _ in sorted(feats.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
            communities.append(
                {"trials": len(trials), "top_features": top, "example": d.studies[min(trials)].name}
            )
        communities.sort(key=lambda c: (-c["trials"], c["top_features"]))
    return {
        "components": {
            "count": sum(1 for s in trial_sizes if s > 1),
            "sizes": [s for s in trial_sizes if s > 1],
            "isolated": isolated,
        },
        "communities": communities,
    }


# ----------------------------------------------------------------------------- entry points


def run_checks(
    store: ox.Store,
    label: str = "graph",
    only: Iterable[str] | None = None,
    fail_on: str = "error",
    with_structure: bool = True,
) -> CheckReport:
    """Run the checks (all, or the ids in ``only``) on a store's union graph."""
    t0 = time.perf_counter()
    checks = CHECKS
    if only:
        wanted = list(only)
        unknown = [c for c in wanted if c not in CHECKS_BY_ID]
        if unknown:
            raise InputError(f"no check {', '.join(unknown)}; checks: {', '.join(CHECKS_BY_ID)}")
        checks = [CHECKS_BY_ID[c] for c in wanted]
    d = GraphData(store, label)
    findings = []
    for c in checks:
        findings += c.run(d)
    report = CheckReport(label, len(d.studies), checks, findings, fail_on=fail_on)
    if with_structure:
        report.structure = structure(d)
    report.seconds = time.perf_counter() - t0
    return report


def check_build(build_dir: str | os.PathLike[str] = "build", **kw: Any) -> CheckReport:
    """Check a build folder (its embedded store)."""
    from kg.store import open_store

    d = Path(build_dir)
    if not d.exists():
        raise InputError(
            f"{d}: no such build folder (build one with `trialkg build INPUT --out DIR`)"
        )
    return run_checks(open_store(d), str(d), **kw)


def check_path(path: str | os.PathLike[str], **kw: Any) -> CheckReport:
    """Check one RDF file (Turtle, N-Triples, N-Quads or TriG)."""
    from kg.store import load_rdf_file

    return run_checks(load_rdf_file(path), str(path), **kw)


# ----------------------------------------------------------------------------- command


@click.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("graph", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Build folder to check (default: build).",
)
@click.option(
    "--check",
    "only",
    multiple=True,
    metavar="ID",
    help="Run only this check (repeatable); --list shows the ids.",
)
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Lowest level of finding that fails the run (exit 1).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Examples per check in the table.",
)
@click.option(
    "--structure/--no-structure",
    default=True,
    show_default=True,
    help="Report components and communities of trials.",
)
@handle_errors
def check_command(
    graph: str | None,
    store_dir: str | None,
    only: tuple[str, ...],
    list_checks: bool,
    fail_on: str,
    fmt: str,
    output: str | None,
    max_rows: int,
    structure: bool,
) -> None:
    """Graph-wide consistency checks (networkx) on a build or an RDF file.

    Checks GRAPH (a Turtle, N-Triples, N-Quads or TriG file) or a build folder
    (--store, default build/): studies cut off from conditions, interventions
    or primary outcomes; undeclared or orphan vocabulary; cycles in the class
    hierarchies; split drugs; trials entered twice; prose contradicting the
    structured fields; dosing intervals against cycle lengths; implausible
    units; criteria that do not fit their endpoint. Then the components and
    communities of trials sharing drug classes and primary endpoints. Exit 0
    when nothing reaches --fail-on, 1 when something does, 2 on a usage or
    input error.

    \b
    Example:
      trialkg check --store build/demo
      trialkg check build/trials.nq --format json -o check.json --fail-on warning
    """
    if list_checks:
        rows = [{"check": c.id, "level": c.severity, "description": c.description} for c in CHECKS]
        click.echo("\n".join(text_table(["check", "level", "description"], rows, width=100)))
        return
    if graph and store_dir:
        raise InputError("give either GRAPH or --store, not both")
    kw: dict[str, Any] = {"only": only or None, "fail_on": fail_on, "with_structure": structure}
    report = check_path(graph, **kw) if graph else check_build(store_dir or "build", **kw)
    write_report(report.render(fmt, max_rows), output, report.summary())
    if not report.ok:
        n = len(report.failing)
        raise ValidationFailed(
            f"check failed: {n} finding{'s' if n > 1 else ''} at level {fail_on} or above"
        )
