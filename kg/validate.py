"""``trialkg validate``: SHACL shapes and violation queries over a built graph.

The shapes live in ``shapes/*.ttl``: ``shapes/vocabulary*.ttl`` hold the shapes of
vocabulary terms (drugs, drug classes, endpoint types, criteria, phases, roles);
every other file holds the shapes of what a study graph contains.

How it scales. pyshacl over one rdflib graph of the whole corpus is correct but
slow: every SHACL-SPARQL constraint is parsed again for each focus node and then
evaluated against the whole graph (``bench/validate_bench.py``: about 2 minutes
for 300 studies, growing faster than linearly). pyshacl over a pyoxigraph-backed
graph is faster but wrong (false ``sh:in`` and ``sh:hasValue`` results on string
literals). So validation here works per study graph:

* each study's named graph is streamed from the build's ``trials.nq`` (or read
  from the store or an input file; a Turtle file without graph names is split
  into per-study parts) and validated together with the *vocabulary slice* it
  references: the triples of every vocabulary or ontology node it points to
  (drugs, endpoint types, criteria, phases, roles, its classes) and of what those
  point to in turn (drug classes, broader endpoint types, superclasses), so
  ``sh:class`` sees subclasses and cross-node rules see the vocabulary. (The
  vocabulary is not passed as pyshacl's ``ont_graph``: its inoculation copies
  OWL axioms and named individuals only, not typed terms such as
  ``endpoint:orr a tkg:EndpointType``, and it clones the data graph on every call.)
* study graphs are validated in batches of ``BATCH_SIZE`` (disjoint graphs in one
  rdflib graph): pyshacl rebuilds its shapes on every call, a fixed cost of tens
  of milliseconds with our ~100 shapes, far more than the study itself costs;
* core constraints run in pyshacl; each SHACL-SPARQL constraint runs once per
  batch on an in-memory Oxigraph store, joined with the shape's focus nodes
  (the same results as pyshacl's per-node runs: the tests compare them);
* the vocabulary graph itself, and any triples that belong to no study, are
  validated once, with every shape;
* ``jobs`` > 1 spreads the batches over worker processes.

Results name the study (NCT id, else title), its source file and position (from
the study graph's provenance), the shape, severity, focus node, path, value and
message. Saved ``queries/*-violation.rq`` run beside SHACL on the union of all
graphs (they see across studies: duplicate NCT ids, nodes shared by two studies)
and each row counts as a Violation.

>>> from rdflib import Graph
>>> result = validate_graph(Graph(), run_queries=False)
>>> result.conforms, result.studies
(True, 0)
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.errors import InputError, ValidationFailed, handle_errors
from kg.rdf import PREFIXES, TKG, VOCAB_GRAPH

__all__ = [
    "SEVERITIES",
    "SHAPES_DIR",
    "Result",
    "ValidationResult",
    "load_shapes",
    "run_violation_queries",
    "shape_files",
    "validate_build",
    "validate_command",
    "validate_graph",
    "validate_path",
]

SHAPES_DIR: Path = Path(__file__).resolve().parents[1] / "shapes"
"""The ``shapes/`` folder of the project."""

SHAPES_NS = "https://w3id.org/trialkg/shapes#"
QUERY_NS = "https://w3id.org/trialkg/query/"
BATCH_SIZE = 100
"""Study graphs per pyshacl run (see ``_validate_batch``)."""
SEVERITIES = ("Violation", "Warning", "Info")
"""Severities from the most to the least serious."""
_RANK = {"Violation": 3, "Warning": 2, "Info": 1}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_STUDY = URIRef(TKG + "Study")
_OX_STUDY = ox.NamedNode(TKG + "Study")
_RDF_TYPE = str(RDF.type)
_DESCRIBES = URIRef(TKG + "describesStudy")
_DISPLAY_PREFIXES = {**PREFIXES, "tkgsh": SHAPES_NS, "sh": str(SH)}
# Types that make a node part of the vocabulary: a study never "owns" such a node.
_VOCAB_TYPES = (
    {
        TKG + t
        for t in ("Drug", "DrugClass", "EndpointType", "AssessmentCriteria", "Phase", "OutcomeRole")
    }
    | {
        "http://www.w3.org/2002/07/owl#" + t
        for t in (
            "Class",
            "ObjectProperty",
            "DatatypeProperty",
            "AnnotationProperty",
            "Ontology",
            "NamedIndividual",
        )
    }
    | {
        "http://www.w3.org/2000/01/rdf-schema#Class",
        "http://www.w3.org/2000/01/rdf-schema#Datatype",
    }
)


# ----------------------------------------------------------------------------- shapes


def shape_files(kind: str = "all") -> list[Path]:
    """The shapes files: ``"all"``, ``"study"`` (per-study) or ``"vocabulary"``.

    >>> [p.name for p in shape_files("vocabulary")]
    ['vocabulary-shapes.ttl']
    """
    files = sorted(SHAPES_DIR.glob("*.ttl"))
    if kind == "vocabulary":
        return [p for p in files if p.name.startswith("vocabulary")]
    if kind == "study":
        return [p for p in files if not p.name.startswith("vocabulary")]
    return files


@lru_cache(maxsize=4)
def load_shapes(kind: str = "all") -> Graph:
    """The shapes of ``shape_files(kind)`` in one rdflib graph (cached: do not modify it)."""
    graph = Graph()
    for path in shape_files(kind):
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # noqa: BLE001 - name the file in one line
            raise InputError(f"{path}: cannot read the shapes: {exc}") from exc
    return graph


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One validation result (a SHACL result, or one row of a violation query).

    ``shape`` and ``focus`` are full IRIs (a query's shape is
    ``https://w3id.org/trialkg/query/<name>``); ``path`` is a SPARQL property path
    with trialkg prefixes (``tkg:hasRole``, ``^tkg:hasOutcome``); ``value`` is an
    IRI or a literal's text; ``study`` is the NCT id, else the title. ``focus_n3``,
    ``value_n3`` and ``path_ttl`` keep the exact RDF terms for the Turtle report.
    """

    severity: str
    shape: str
    study: str | None
    focus: str
    path: str | None
    value: str | None
    message: str
    component: str | None = None
    study_iri: str | None = None
    graph: str | None = None
    source: str | None = None
    focus_n3: str = ""
    value_n3: str | None = None
    path_ttl: str | None = None

    @property
    def rank(self) -> int:
        """3 for a Violation, 2 for a Warning, 1 for an Info."""
        return _RANK.get(self.severity, 0)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (without the Turtle-only fields)."""
        d = asdict(self)
        for k in ("focus_n3", "value_n3", "path_ttl"):
            d.pop(k)
        d["shape_name"] = compact(self.shape)
        return d


@dataclass
class ValidationResult:
    """What a validation found; ``conforms`` is judged at ``severity``."""

    results: list[Result] = field(default_factory=list)
    severity: str = "Violation"
    studies: int = 0
    seconds: float = 0.0
    source: str = ""
    queries: list[tuple[str, int]] = field(default_factory=list)

    @property
    def failing(self) -> list[Result]:
        """Results at or above the chosen severity."""
        limit = _RANK[self.severity]
        return [r for r in self.results if r.rank >= limit]

    @property
    def conforms(self) -> bool:
        """True when no result reaches the chosen severity."""
        return not self.failing

    def counts(self) -> dict[str, int]:
        """Number of results per severity."""
        c = Counter(r.severity for r in self.results)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def summary(self) -> str:
        """One line: what was validated and what was found."""
        c = self.counts()
        found = ", ".join(f"{n} {s.lower()}{'' if n == 1 else 's'}" for s, n in c.items())
        verdict = "conforms" if self.conforms else "does NOT conform"
        return (
            f"{self.source}: {self.studies} studies + vocabulary validated in "
            f"{self.seconds:.1f} s: {found}; {verdict} at severity {self.severity}"
        )

    def to_json(self) -> str:
        """Every result, with the counts, as a JSON document."""
        data = {
            "source": self.source,
            "conforms": self.conforms,
            "severity": self.severity,
            "studies": self.studies,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "queries": [{"name": n, "rows": k} for n, k in self.queries],
            "results": [r.to_dict() for r in sorted(self.results, key=_sort_key)],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_table(self, max_rows: int = 20) -> str:
        """A readable report, grouped by severity and shape, ``max_rows`` examples per group."""
        lines = [self.summary()]
        groups: dict[tuple[int, str, str], list[Result]] = defaultdict(list)
        for r in self.results:
            groups[(-r.rank, r.severity, r.shape)].append(r)
        for (_, severity, shape), rs in sorted(groups.items()):
            rs.sort(key=_sort_key)
            lines.append("")
            n = len(rs)
            lines.append(f"{severity}  {compact(shape)}  ({n} result{'' if n == 1 else 's'})")
            messages = {r.message for r in rs}
            if len(messages) == 1:
                lines.append(f"  {rs[0].message}")
            cols = ["study", "source", "focus", "path", "value"]
            if len(messages) > 1:
                cols.append("message")
            rows = [
                {
                    "study": r.study or "-",
                    "source": r.source or "-",
                    "focus": compact(r.focus),
                    "path": r.path or "-",
                    "value": _short_value(r),
                    "message": r.message,
                }
                for r in rs[:max_rows]
            ]
            lines.extend("  " + line for line in text_table(cols, rows))
            if n > max_rows:
                lines.append(f"  ... {n - max_rows} more (--format json lists every result)")
        return "\n".join(lines) + "\n"

    def to_turtle(self) -> str:
        """The SHACL validation report in Turtle, merged over all studies, deterministic.

        ``sh:conforms`` is judged at the chosen severity (as pyshacl's
        ``allow_warnings`` does); results identical in every SHACL field (a shared
        condition seen from several studies) are written once.
        """
        out = [f"@prefix {p}: <{iri}> ." for p, iri in sorted(_DISPLAY_PREFIXES.items())]
        out.append("")
        out.append("[] a sh:ValidationReport ;")
        out.append(
            f"    rdfs:comment {json.dumps(f'sh:conforms is judged at severity {self.severity}')} ;"
        )
        out.append(f"    sh:conforms {'true' if self.conforms else 'false'}")
        seen: set[tuple[Any, ...]] = set()
        blocks = []
        for r in sorted(self.results, key=_sort_key):
            key = (r.focus_n3, r.path_ttl, r.value_n3, r.shape, r.component, r.severity, r.message)
            if key in seen:
                continue
            seen.add(key)
            props = [
                "a sh:ValidationResult",
                f"sh:focusNode {r.focus_n3 or _n3_text(r.focus)}",
                f"sh:resultSeverity sh:{r.severity}",
                f"sh:sourceShape <{r.shape}>",
            ]
            if r.component:
                props.append(f"sh:sourceConstraintComponent <{r.component}>")
            if r.path_ttl:
                props.append(f"sh:resultPath {r.path_ttl}")
            if r.value_n3:
                props.append(f"sh:value {r.value_n3}")
            props.append(f"sh:resultMessage {Literal(r.message).n3()}")
            if r.graph:
                props.append(f"rdfs:seeAlso <{r.graph}>")
            blocks.append(
                "        [\n" + " ;\n".join("            " + p for p in props) + "\n        ]"
            )
        if blocks:
            out[-1] += " ;"
            out.append("    sh:result")
            out.append(" ,\n".join(blocks))
        out[-1] += " ."
        return "\n".join(out) + "\n"

    def render(self, fmt: str = "table", max_rows: int = 20) -> str:
        """The report as ``table``, ``json`` or ``turtle`` text."""
        if fmt == "json":
            return self.to_json()
        if fmt == "turtle":
            return self.to_turtle()
        return self.to_table(max_rows)


def _sort_key(r: Result) -> tuple[Any, ...]:
    return (-r.rank, r.shape, r.study or "", r.focus, r.path or "", r.value or "", r.message)


def compact(iri: str | None) -> str:
    """An IRI as ``prefix:local`` when a trialkg prefix fits, else unchanged.

    >>> compact("https://w3id.org/trialkg/shapes#Study-nctId")
    'tkgsh:Study-nctId'
    """
    if not iri:
        return ""
    best = ""
    for p, ns in _DISPLAY_PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(_DISPLAY_PREFIXES.get(best, "")):
            best = p
    return f"{best}:{iri[len(_DISPLAY_PREFIXES[best]) :]}" if best else iri


def _short_value(r: Result, width: int = 60) -> str:
    if r.value is None or r.value_n3 == r.focus_n3:
        return "-"
    v = compact(r.value) if r.value_n3 and r.value_n3.startswith("<") else repr(r.value)
    return v if len(v) <= width else v[: width - 3] + "..."


def text_table(cols: list[str], rows: list[dict[str, str]], width: int = 48) -> list[str]:
    def cut(s: str, w: int, col: str) -> str:
        if len(s) <= w:
            return s
        # A path is told apart by its end (the file name), a title by its start.
        return "..." + s[len(s) - w + 3 :] if col == "source" else s[: w - 3] + "..."

    widths = {
        c: min(max([len(c)] + [len(str(r[c])) for r in rows]), width if c != "message" else 200)
        for c in cols
    }
    out = ["  ".join(c.ljust(widths[c]) for c in cols).rstrip()]
    for r in rows:
        out.append("  ".join(cut(str(r[c]), widths[c], c).ljust(widths[c]) for c in cols).rstrip())
    return out


def _n3_text(iri: str) -> str:
    return f"<{iri}>" if "://" in iri or iri.startswith("urn:") else Literal(iri).n3()


# ----------------------------------------------------------------------------- RDF terms


@lru_cache(maxsize=65536)
def _uri(value: str) -> URIRef:
    return URIRef(value)


def _to_rdflib(term: Any) -> Any:
    """A pyoxigraph term as the equal rdflib term (xsd:string literals become plain)."""
    if isinstance(term, ox.NamedNode):
        return _uri(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=_uri(dt))
    raise TypeError(f"unexpected RDF term {term!r}")


def _nt(triples: Iterable[Any]) -> bytes:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)


class _PreparedQueryGraph(Graph):
    """An rdflib graph that parses each distinct SPARQL text once.

    pyshacl hands every SHACL-SPARQL constraint to ``Graph.query`` as text, once per
    focus node; parsing dominates on small graphs (about 5 ms a call).
    """

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=512)
def _prepared(text: str) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


# ----------------------------------------------------------------------------- vocabulary slice


class _Support:
    """Vocabulary and ontology triples by subject; the slice a study graph references."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.index: dict[Any, list[ox.Triple]] = defaultdict(list)
        for t in triples:
            self.index[t.subject].append(t)
        self._memo: dict[Any, tuple[ox.Triple, ...]] = {}

    def closure(self, node: Any) -> tuple[ox.Triple, ...]:
        """Triples of ``node`` and of every vocabulary node reachable from it (cached)."""
        hit = self._memo.get(node)
        if hit is not None:
            return hit
        out: list[ox.Triple] = []
        seen = {node}
        todo = [node]
        while todo:
            n = todo.pop()
            for t in self.index.get(n, ()):
                out.append(t)
                o = t.object
                if not isinstance(o, ox.Literal) and o not in seen and o in self.index:
                    seen.add(o)
                    todo.append(o)
        result = tuple(out)
        self._memo[node] = result
        return result

    def slice_for(self, triples: Iterable[ox.Triple]) -> set[ox.Triple]:
        """The vocabulary slice for some data triples: what their objects lead to."""
        out: set[ox.Triple] = set()
        roots = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
        for r in roots:
            if r in self.index:
                out.update(self.closure(r))
        return out


# ----------------------------------------------------------------------------- SHACL-SPARQL


@dataclass(frozen=True)
class _SparqlConstraint:
    """A SHACL-SPARQL constraint of a node shape, run once per batch instead of per node."""

    shape: str
    severity: str
    query: str
    messages: tuple[str, ...]
    targets: str  # a SPARQL group that binds ?this to the shape's focus nodes


def _split_shapes(shapes: Graph) -> tuple[Graph, list[_SparqlConstraint]]:
    """Core shapes (for pyshacl) and the SHACL-SPARQL constraints (run on Oxigraph).

    A SPARQL constraint's SELECT is evaluated once over a batch with ``$this``
    unbound, then joined with the shape's focus nodes. That equals SHACL's
    pre-binding of ``$this`` when the query binds ``$this`` in a triple pattern of
    its top-level group, which every query in shapes/ does (tests check that the
    results equal pyshacl's on every example graph).
    """
    core = Graph()
    for p, ns in shapes.namespace_manager.namespaces():
        core.bind(p, ns)
    constraints = []
    sparql_shapes = set()
    for shape, c in sorted(shapes.subject_objects(SH.sparql)):
        if (shape, SH.path, None) in shapes:
            raise InputError(f"{shape}: SPARQL constraints on property shapes are not supported")
        if shapes.value(c, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(c, SH.select)
        if select is None:
            raise InputError(f"{shape}: a SPARQL constraint needs sh:select")
        prefixes = []
        for decl_owner in shapes.objects(c, SH.prefixes):
            for d in shapes.objects(decl_owner, SH.declare):
                prefixes.append(
                    f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>"
                )
        messages = tuple(sorted(str(m) for m in shapes.objects(c, SH.message))) or tuple(
            sorted(str(m) for m in shapes.objects(shape, SH.message))
        )
        sev = shapes.value(shape, SH.severity)
        constraints.append(
            _SparqlConstraint(
                shape=str(shape),
                severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
                query="\n".join(sorted(set(prefixes))) + "\n" + str(select),
                messages=messages,
                targets=_target_pattern(shapes, shape),
            )
        )
        sparql_shapes.add(shape)
    for t in shapes:
        if t[1] == SH.sparql:
            continue
        if t[0] in sparql_shapes and not _has_core_constraints(shapes, t[0]):
            continue
        core.add(t)
    return core, constraints


def _has_core_constraints(shapes: Graph, shape: Any) -> bool:
    skip = {
        RDF.type,
        SH.sparql,
        SH.severity,
        SH.message,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.deactivated,
    }
    return any(str(p).startswith(str(SH)) and p not in skip for p in shapes.predicates(shape, None))


def _target_pattern(shapes: Graph, shape: Any) -> str:
    parts = [
        f"{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {c.n3()} }}"
        for c in shapes.objects(shape, SH.targetClass)
    ]
    parts += [f"{{ ?this {p.n3()} ?o }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ ?s {p.n3()} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    parts += [f"{{ VALUES ?this {{ {n.n3()} }} }}" for n in shapes.objects(shape, SH.targetNode)]
    return " UNION ".join(sorted(parts))


def _run_sparql_constraints(
    store: ox.Store, constraints: list[_SparqlConstraint]
) -> list[tuple[_SparqlConstraint, dict[str, Any]]]:
    """(constraint, row) for every violating row, rows as {variable: pyoxigraph term}."""
    out = []
    for c in constraints:
        if not c.targets:
            continue
        focus = {
            sol["this"] for sol in store.query(f"SELECT DISTINCT ?this WHERE {{ {c.targets} }}")
        }
        if not focus:
            continue
        res = store.query(c.query)
        names = [v.value for v in res.variables]
        for sol in res:
            this = sol["this"]
            if this is None or this not in focus:
                continue
            out.append((c, {n: sol[n] for n in names if sol[n] is not None}))
    return out


def _fill_message(template: str, row: dict[str, Any]) -> str:
    def text(term: Any) -> str:
        if isinstance(term, ox.NamedNode):
            return compact(term.value)
        return getattr(term, "value", str(term))

    for name, term in row.items():
        for mark in ("?", "$"):
            template = template.replace("{" + mark + name + "}", text(term))
    return template


# ----------------------------------------------------------------------------- batches


@dataclass
class _Unit:
    """One study graph, or the triples that belong to no study, as N-Triples."""

    kind: str  # "study" (a named graph), "part" (of a default graph) or "rest"
    name: str  # graph IRI, study IRI (a part), or a label
    data: bytes


_STATE: dict[str, Any] = {}


def _init_worker(support_nt: bytes) -> None:
    """Load the shapes and the vocabulary support once per process."""
    if _STATE.get("support_nt") != support_nt:
        _STATE["support"] = _Support(ox.parse(support_nt, format=ox.RdfFormat.N_TRIPLES))
        _STATE["support_nt"] = support_nt
    for kind in ("study", "all"):
        _STATE[kind] = _split_shapes_cached(kind)


@lru_cache(maxsize=4)
def _split_shapes_cached(
    kind: str,
) -> tuple[Graph, list[_SparqlConstraint], frozenset[str] | None]:
    core, constraints = _split_shapes(load_shapes(kind))
    return core, constraints, _core_predicates(core)


def _core_predicates(core: Graph) -> frozenset[str] | None:
    """The predicates the core shapes can read, or None when that cannot be told simply.

    When every path is a predicate or its inverse and no shape nests another by
    sh:node, sh:property or sh:qualifiedValueShape, pyshacl reads only triples with
    those predicates, plus rdf:type and rdfs:subClassOf (targets and sh:class). The
    rdflib graph then gets only those triples: loading rdflib is a large share of
    the cost, and vocabulary slices carry many labels and synonyms no core shape reads.
    """
    if any((None, p, None) in core for p in (SH.node, SH.property, SH.qualifiedValueShape)):
        return None
    preds = {_RDF_TYPE, "http://www.w3.org/2000/01/rdf-schema#subClassOf"}
    for path in core.objects(None, SH.path):
        inner = core.value(path, SH.inversePath) if isinstance(path, BNode) else path
        if not isinstance(inner, URIRef):
            return None
        preds.add(str(inner))
    for p in (SH.targetSubjectsOf, SH.targetObjectsOf):
        preds.update(str(o) for o in core.objects(None, p))
    return frozenset(preds)


@dataclass
class _Provenance:
    study: str | None = None
    study_iri: str | None = None
    graph: str | None = None
    source: str | None = None


def _provenance(unit: _Unit, triples: list[ox.Triple], default_source: str) -> _Provenance:
    if unit.kind == "rest":
        return _Provenance(source=f"{default_source} ({unit.name})")
    prov = _Provenance(graph=unit.name if unit.kind == "study" else None, source=default_source)
    by_sp: dict[tuple[Any, str], list[str]] = defaultdict(list)
    studies = []
    for t in triples:
        p = t.predicate.value
        if p == _RDF_TYPE and t.object == _OX_STUDY:
            studies.append(t.subject)
        elif p.startswith(TKG):
            by_sp[(t.subject, p[len(TKG) :])].append(t.object.value)
    if len(studies) == 1:
        s = studies[0]
        prov.study_iri = s.value if isinstance(s, ox.NamedNode) else str(s)
        nct = sorted(by_sp.get((s, "nctId"), []))
        title = sorted(by_sp.get((s, "briefTitle"), []))
        prov.study = (nct or title or [prov.study_iri])[0]
        for (subj, p), objs in by_sp.items():
            if p == "describesStudy" and prov.study_iri in objs:
                path = sorted(by_sp.get((subj, "sourcePath"), []))
                pos = sorted(by_sp.get((subj, "sourcePosition"), []))
                if path:
                    prov.source = f"{path[0]} [{pos[0]}]" if pos else path[0]
    return prov


def _validate_batch(units: list[_Unit], default_source: str) -> list[Result]:
    """Validate some study graphs (or the rest) together; results name each study.

    Study graphs are disjoint apart from shared nodes (conditions, sponsors), so
    one pyshacl run over a batch gives the results of one run per study graph,
    at a fraction of pyshacl's fixed cost per run (it rebuilds its shapes on every
    call). A result on a shared node is reported once for each study that has it.
    """
    import pyshacl

    support: _Support = _STATE["support"]
    core, constraints, preds = _STATE["all" if any(u.kind == "rest" for u in units) else "study"]
    store = ox.Store()
    provs: list[_Provenance] = []
    owners: dict[Any, list[int]] = defaultdict(list)
    data: list[ox.Triple] = []
    for i, u in enumerate(units):
        triples = list(ox.parse(u.data, format=ox.RdfFormat.N_TRIPLES))
        provs.append(_provenance(u, triples, default_source))
        for s in {t.subject for t in triples}:
            owners[str(s)].append(i)
        data.extend(triples)
    data.extend(support.slice_for(data))
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in data)
    g = _PreparedQueryGraph()
    for t in set(data):
        if preds is None or t.predicate.value in preds:
            g.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    _, report, _ = pyshacl.validate(g, shacl_graph=core, inference="none", inplace=True)
    found = _results_from_report(report)
    for c, row in _run_sparql_constraints(store, constraints):
        found.append(_sparql_result(c, row))
    out = []
    for r in found:
        idx = owners.get(r.focus_n3, []) or [None]
        for i in idx:
            p = provs[i] if i is not None else _Provenance(source=default_source)
            out.append(
                _replace(r, study=p.study, study_iri=p.study_iri, graph=p.graph, source=p.source)
            )
    return out


def _replace(r: Result, **kw: Any) -> Result:
    from dataclasses import replace

    return replace(r, **kw)


def _sparql_result(c: _SparqlConstraint, row: dict[str, Any]) -> Result:
    this = _to_rdflib(row["this"])
    value = _to_rdflib(row["value"]) if "value" in row else this
    path = _to_rdflib(row["path"]) if "path" in row else None
    return Result(
        severity=c.severity,
        shape=c.shape,
        study=None,
        focus=str(this),
        path=compact(str(path)) if path is not None else None,
        value=str(value),
        message=_fill_message(c.messages[0], row) if c.messages else "",
        component=str(SH.SPARQLConstraintComponent),
        focus_n3=this.n3(),
        value_n3=value.n3(),
        path_ttl=path.n3() if path is not None else None,
    )


def _results_from_report(report: Graph) -> list[Result]:
    out = []
    for node in report.objects(None, SH.result):
        focus = report.value(node, SH.focusNode)
        value = report.value(node, SH.value)
        path = report.value(node, SH.resultPath)
        shape = report.value(node, SH.sourceShape)
        component = report.value(node, SH.sourceConstraintComponent)
        severity = report.value(node, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        out.append(
            Result(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=str(shape) if isinstance(shape, URIRef) else "(anonymous shape)",
                study=None,
                focus=str(focus),
                path=_path_text(report, path) if path is not None else None,
                value=None if value is None else str(value),
                message=messages[0] if messages else "",
                component=str(component) if component else None,
                focus_n3=focus.n3() if focus is not None else "",
                value_n3=None if value is None else value.n3(),
                path_ttl=_path_ttl(report, path) if path is not None else None,
            )
        )
    return out


def _path_text(g: Graph, node: Any) -> str:
    """A SHACL path as SPARQL property-path text, compacted."""
    if isinstance(node, URIRef):
        return compact(str(node))
    for p, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = g.value(node, p)
        if inner is not None:
            return fmt.format(_path_text(g, inner))
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(_path_text(g, x) for x in rdflib.collection.Collection(g, alt)) + ")"
    if (node, RDF.first, None) in g:
        return "/".join(_path_text(g, x) for x in rdflib.collection.Collection(g, node))
    return str(node)


def _path_ttl(g: Graph, node: Any) -> str:
    """A SHACL path as a Turtle term (blank-node paths written inline)."""
    if isinstance(node, URIRef):
        return node.n3()
    for p in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        inner = g.value(node, p)
        if inner is not None:
            return f"[ {p.n3(g.namespace_manager)} {_path_ttl(g, inner)} ]"
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        items = " ".join(_path_ttl(g, x) for x in rdflib.collection.Collection(g, alt))
        return f"[ sh:alternativePath ( {items} ) ]"
    if (node, RDF.first, None) in g:
        return (
            "( " + " ".join(_path_ttl(g, x) for x in rdflib.collection.Collection(g, node)) + " )"
        )
    return "[]"


# ----------------------------------------------------------------------------- sources


@lru_cache(maxsize=1)
def _packaged_vocabulary() -> tuple[ox.Triple, ...]:
    """The ontology and vocabularies of this checkout (read once per process)."""
    from kg.rdf import vocab_quads

    return tuple(q.triple for q in vocab_quads())


def _graph_runs(quads: Iterable[ox.Quad], where: str) -> Iterator[tuple[Any, list[ox.Quad]]]:
    """Consecutive quads of one graph, as (graph name, quads); every graph must be one run."""
    done: set[Any] = set()
    name: Any = None
    run: list[ox.Quad] = []
    for q in quads:
        if q.graph_name != name:
            if run:
                yield name, run
                done.add(name)
            name, run = q.graph_name, []
            if name in done:
                raise InputError(
                    f"{where}: the quads of graph {name} are not together; "
                    "validate the build's store instead (--store)"
                )
        run.append(q)
    if run:
        yield name, run


def _split_default_graph(
    triples: list[ox.Triple],
) -> tuple[list[tuple[str, list[ox.Triple]]], list[ox.Triple]]:
    """Split one merged graph (Turtle without graph names) into per-study parts.

    A study owns itself, the nodes it reaches by links that are not vocabulary
    (its outcomes, time frames, conditions, sponsors ...), the nodes named under
    its IRI, and the study graph that describes it. What no study owns (the
    vocabulary, orphans) is returned apart, to be validated once.
    """
    by_subject: dict[Any, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    rdf_type = ox.NamedNode(str(RDF.type))
    study_t = ox.NamedNode(str(_STUDY))
    describes = ox.NamedNode(str(_DESCRIBES))
    vocab_nodes = {
        s
        for s, ts in by_subject.items()
        if any(t.predicate == rdf_type and t.object.value in _VOCAB_TYPES for t in ts)
    }
    studies = sorted(
        {t.subject for t in triples if t.predicate == rdf_type and t.object == study_t},
        key=str,
    )
    study_set = set(studies)
    describers: dict[Any, list[Any]] = defaultdict(list)
    for t in triples:
        if t.predicate == describes:
            describers[t.object].append(t.subject)
    children: dict[str, list[Any]] = defaultdict(list)
    named = [s for s in by_subject if isinstance(s, ox.NamedNode)]
    study_iris = {s.value for s in studies if isinstance(s, ox.NamedNode)}
    for s in named:
        head = s.value.split("/")
        for i in range(len(head) - 1, 3, -1):
            prefix = "/".join(head[:i])
            if prefix in study_iris:
                children[prefix].append(s)
                break
    owned: set[Any] = set()
    units = []
    for s in studies:
        todo = [s, *describers.get(s, []), *children.get(getattr(s, "value", ""), [])]
        seen = set(todo)
        while todo:
            n = todo.pop()
            for t in by_subject.get(n, ()):
                o = t.object
                if (
                    not isinstance(o, ox.Literal)
                    and o in by_subject
                    and o not in seen
                    and o not in vocab_nodes
                    and o not in study_set
                    and t.predicate != rdf_type
                ):
                    seen.add(o)
                    todo.append(o)
        owned |= seen
        name = s.value if isinstance(s, ox.NamedNode) else str(s)
        units.append((name, [t for n in sorted(seen, key=str) for t in by_subject.get(n, ())]))
    rest = [t for t in triples if t.subject not in owned]
    return units, rest


class _Source:
    """Where study graphs come from: a build's trials.nq (streamed) or a pyoxigraph store.

    Named graphs are study graphs, except ``graph/vocab``; triples in the default
    graph (a Turtle file) are split into per-study parts by ``_split_default_graph``.
    ``vocabulary()`` is what no study owns: the vocabulary graph, or the rest of a
    split default graph. It is validated once and lends study graphs their slices.
    """

    def __init__(self, label: str, nquads: Path | None = None, store: ox.Store | None = None):
        self.label = label
        self.nquads = nquads
        self.store = store
        self._parts: list[tuple[str, list[ox.Triple]]] = []
        self._vocab: list[ox.Triple] | None = None

    def vocabulary(self) -> list[ox.Triple]:
        """The triples that belong to no study (read once, before the studies)."""
        if self._vocab is not None:
            return self._vocab
        if self.nquads is not None:
            first = next(_graph_runs(self._nq_quads(), str(self.nquads)), None)
            vocab = [q.triple for q in first[1]] if first and first[0] == VOCAB_GRAPH else []
        else:
            assert self.store is not None
            vocab = [q.triple for q in self.store.quads_for_pattern(None, None, None, VOCAB_GRAPH)]
            default = [
                q.triple for q in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            ]
            if default:
                self._parts, rest = _split_default_graph(default)
                vocab.extend(rest)
        self._vocab = vocab
        return vocab

    def _nq_quads(self) -> Iterator[ox.Quad]:
        assert self.nquads is not None
        try:
            yield from ox.parse(path=str(self.nquads), format=ox.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            raise InputError(f"{self.nquads}: not valid N-Quads: {exc}") from exc

    def units(self) -> Iterator[_Unit]:
        """Every study graph (named graphs, then the parts of the default graph)."""
        self.vocabulary()
        if self.nquads is not None:
            runs: Iterable[tuple[Any, list[ox.Quad]]] = _graph_runs(
                self._nq_quads(), str(self.nquads)
            )
        else:
            assert self.store is not None
            store = self.store
            runs = (
                (g, list(store.quads_for_pattern(None, None, None, g)))
                for g in sorted(store.named_graphs(), key=str)
            )
        for name, quads in runs:
            if name != VOCAB_GRAPH and not isinstance(name, ox.DefaultGraph):
                yield _Unit("study", name.value, _nt(q.triple for q in quads))
        for study, triples in self._parts:
            yield _Unit("part", study, _nt(triples))


# ----------------------------------------------------------------------------- running


def _batches(units: Iterable[_Unit], size: int) -> Iterator[list[_Unit]]:
    batch: list[_Unit] = []
    for u in units:
        batch.append(u)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run(
    source: _Source,
    severity: str = "Violation",
    jobs: int = 1,
    progress: bool = False,
    query_store: ox.Store | None = None,
    batch_size: int = BATCH_SIZE,
) -> ValidationResult:
    if severity not in _RANK:
        raise InputError(f"unknown severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    t0 = time.perf_counter()
    vocab = source.vocabulary()
    # The slice comes from the packaged ontology and vocabulary plus the input's own.
    support_nt = _nt({*_packaged_vocabulary(), *vocab})
    results: list[Result] = []
    studies = 0
    bar = _progress_bar(progress)
    try:
        if jobs <= 1:
            _init_worker(support_nt)
            for batch in _batches(source.units(), batch_size):
                results.extend(_validate_batch(batch, source.label))
                studies += len(batch)
                bar.update(len(batch))
        else:
            studies = _run_parallel(source, support_nt, jobs, results, bar, batch_size)
            _init_worker(support_nt)
        # The vocabulary and whatever belongs to no study: once, with every shape.
        if vocab:
            unit = _Unit("rest", "vocabulary", _nt(vocab))
            results.extend(_validate_batch([unit], source.label))
    finally:
        bar.close()
    queries: list[tuple[str, int]] = []
    if query_store is not None:
        for name, rows in run_violation_queries(query_store):
            queries.append((name, len(rows)))
            results.extend(_query_results(name, rows, source.label))
    return ValidationResult(
        results=sorted(results, key=_sort_key),
        severity=severity,
        studies=studies,
        seconds=time.perf_counter() - t0,
        source=source.label,
        queries=queries,
    )


def _run_parallel(
    source: _Source,
    support_nt: bytes,
    jobs: int,
    results: list[Result],
    bar: Any,
    batch_size: int,
) -> int:
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    studies = 0
    window = jobs * 4
    pending: list[tuple[Future[list[Result]], int]] = []
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(support_nt,)
    ) as pool:
        for batch in _batches(source.units(), batch_size):
            pending.append((pool.submit(_validate_batch, batch, source.label), len(batch)))
            while len(pending) >= window:
                fut, n = pending.pop(0)
                results.extend(fut.result())
                studies += n
                bar.update(n)
        for fut, n in pending:
            results.extend(fut.result())
            studies += n
            bar.update(n)
    return studies


def _progress_bar(enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(unit=" studies", disable=not enabled, file=sys.stderr, smoothing=0.1)


# ----------------------------------------------------------------------------- violation queries


def run_violation_queries(store: ox.Store) -> list[tuple[str, list[dict[str, Any]]]]:
    """Run every saved ``*-violation.rq`` query on the union of the store's graphs.

    Returns ``(query name, rows)`` for each, rows included when there are none; on
    a good graph every list is empty.
    """
    from kg.queries import bindings_for, list_queries
    from kg.store import select

    out = []
    for q in list_queries():
        if q.is_violation:
            _, rows = select(store, q.text, bindings_for(q))
            out.append((q.name, rows))
    return out


def _query_results(name: str, rows: list[dict[str, Any]], label: str) -> list[Result]:
    from kg.queries import find_query

    title = find_query(name).title
    out = []
    for row in rows:
        focus = row.get("focus") or row.get("study") or next(iter(row.values()), "")
        study = row.get("nct_id") or row.get("title") or row.get("study")
        detail = ", ".join(f"{k}={v}" for k, v in row.items() if v is not None)
        value = row.get("value")
        out.append(
            Result(
                severity="Violation",
                shape=QUERY_NS + name,
                study=None if study is None else str(study),
                focus=str(focus),
                path=None,
                value=None if value is None else str(value),
                message=f"{title} ({detail}); see queries/{name}.rq",
                component=str(SH.SPARQLConstraintComponent),
                study_iri=str(row["study"]) if row.get("study") else None,
                source=label,
                focus_n3=_n3_text(str(focus)),
                value_n3=None if value is None else _n3_text(str(value)),
            )
        )
    return out


# ----------------------------------------------------------------------------- entry points


def validate_build(
    build_dir: str | os.PathLike[str] = "build",
    severity: str = "Violation",
    jobs: int = 1,
    progress: bool = False,
    run_queries: bool = True,
) -> ValidationResult:
    """Validate a build folder: every study graph, the vocabulary, and the violation queries.

    Study graphs stream from ``trials.nq`` when the build has one (the fast path),
    else from the store; the violation queries run on the store.
    """
    d = Path(build_dir)
    if not d.exists():
        raise InputError(
            f"{d}: no such build folder (build one with `trialkg build INPUT --out DIR`)"
        )
    nq = d / "trials.nq"
    store = None
    if (d / "store").is_dir() or (d.name == "store" and d.is_dir()):
        from kg.store import open_store

        store = open_store(d)
    if nq.is_file():
        source = _Source(str(d), nquads=nq)
    elif store is not None:
        source = _Source(str(d), store=store)
    else:
        raise InputError(f"{d}: neither trials.nq nor store/ here; is it a trialkg build folder?")
    return _run(source, severity, jobs, progress, store if run_queries else None)


def validate_path(
    path: str | os.PathLike[str],
    severity: str = "Violation",
    jobs: int = 1,
    progress: bool = False,
    run_queries: bool = True,
) -> ValidationResult:
    """Validate one RDF file: Turtle, N-Triples, N-Quads or TriG (by its suffix)."""
    from kg.store import load_rdf_file

    p = Path(path)
    store = load_rdf_file(p)
    return _run(
        _Source(str(p), store=store), severity, jobs, progress, store if run_queries else None
    )


def validate_graph(
    data: Graph | rdflib.Dataset,
    severity: str = "Violation",
    jobs: int = 1,
    run_queries: bool = True,
    label: str = "graph",
) -> ValidationResult:
    """Validate an rdflib Graph or Dataset the same way as a build.

    A Dataset's named graphs are validated one by one (``graph/vocab`` once, with
    every shape); a plain Graph is split into per-study parts first.
    """
    store = ox.Store()
    if isinstance(data, rdflib.Dataset):
        for ctx in data.graphs():
            name = ctx.identifier
            g = (
                ox.DefaultGraph()
                if name == rdflib.graph.DATASET_DEFAULT_GRAPH_ID
                else ox.NamedNode(str(name))
            )
            store.extend(ox.Quad(*_ox_triple(t), g) for t in ctx)
    else:
        store.extend(ox.Quad(*_ox_triple(t)) for t in data)
    return _run(_Source(label, store=store), severity, jobs, False, store if run_queries else None)


def _ox_triple(t: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    from kg.sparql import from_rdflib

    return from_rdflib(t[0]), from_rdflib(t[1]), from_rdflib(t[2])


# ----------------------------------------------------------------------------- command


def write_report(text: str, output: str | None, summary: str) -> None:
    """Print a report, or write it to ``output`` (temporary name, then rename) and print ``summary``."""
    if not output:
        click.echo(text, nl=False)
        return
    tmp = Path(output).with_name("." + Path(output).name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        raise InputError(f"{output}: cannot write the report: {exc}") from exc
    click.echo(summary, err=True)


@click.command("validate", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("graph", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Build folder to validate (default: build).",
)
@click.option(
    "--severity",
    type=click.Choice(list(SEVERITIES), case_sensitive=False),
    default="Violation",
    show_default=True,
    help="Lowest severity that fails the run (exit 1).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "turtle"]),
    default="table",
    show_default=True,
    help="Report format: readable table, JSON, or the SHACL report in Turtle.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Examples per shape in the table.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@handle_errors
def validate_command(
    graph: str | None,
    store_dir: str | None,
    severity: str,
    fmt: str,
    output: str | None,
    jobs: int,
    max_rows: int,
    progress: bool | None,
) -> None:
    """Validate a graph against the SHACL shapes and the violation queries.

    Validates GRAPH (a Turtle, N-Triples, N-Quads or TriG file) or a build folder
    (--store, default build/): every study graph one at a time, the vocabulary
    once, and the saved queries/*-violation.rq on the whole graph. Exit 0 when
    nothing reaches --severity, 1 when something does, 2 on a usage or input
    error.

    \b
    Example:
      trialkg validate --store build/ --jobs 4
      trialkg validate build/trials.nq --severity Warning --format json -o report.json
    """
    severity = {s.lower(): s for s in SEVERITIES}[severity.lower()]
    if graph and store_dir:
        raise InputError("give either GRAPH or --store, not both")
    if progress is None:
        progress = sys.stderr.isatty()
    if graph:
        result = validate_path(graph, severity, jobs, progress)
    else:
        result = validate_build(store_dir or "build", severity, jobs, progress)
    write_report(result.render(fmt, max_rows), output, result.summary())
    if not result.conforms:
        c = result.counts()
        failing = ", ".join(
            f"{c[s]} {s.lower()}{'' if c[s] == 1 else 's'}"
            for s in SEVERITIES
            if _RANK[s] >= _RANK[severity] and c[s]
        )
        raise ValidationFailed(f"validation failed: {failing} (at severity {severity})")
