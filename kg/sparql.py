"""One way to run SPARQL on every kind of target: the embedded store, an rdflib
graph, or a remote endpoint.

Saved queries are written against the union of all graphs, so each target is
asked for exactly that: the embedded store with ``use_default_graph_as_union``,
an rdflib ``Dataset`` with ``default_union``, and a remote endpoint whose
default graph is the union (``trialkg serve`` and ``oxigraph serve
--union-default-graph`` do this; Virtuoso does it by default). Parameters are
bound with a VALUES block (:func:`kg.store.with_values`), never pasted in, and
every answer comes back in one shape, :class:`Answer`, with values converted
the same way whatever the engine, so results can be compared across targets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pyoxigraph as ox

from kg.errors import InputError, QueryError, StoreError
from kg.store import term_to_python, with_values

XSD = "http://www.w3.org/2001/XMLSchema#"
DERIVED = "https://w3id.org/trialkg/derived#"
"""Namespace of facts derived by CONSTRUCT queries (not read from records)."""


@dataclass
class Answer:
    """The result of one query: rows of a SELECT, triples of a CONSTRUCT, or an ASK's boolean."""

    kind: str  # "select", "graph" or "ask"
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)
    boolean: bool | None = None

    def turtle(self) -> str:
        from kg.rdf import TURTLE_PREFIXES

        prefixes = {**TURTLE_PREFIXES, "dv": DERIVED}
        return ox.serialize(
            sorted(self.triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=prefixes
        ).decode()


class Target:
    """Something SPARQL can be run on."""

    label = "target"

    def execute(self, sparql: str) -> Answer:  # pragma: no cover - interface
        raise NotImplementedError

    def run(self, sparql: str, bindings: dict[str, Any] | None = None) -> Answer:
        """Run ``sparql`` with ``bindings`` (variable -> pyoxigraph term) bound as values."""
        return self.execute(with_values(sparql, bindings))


class EmbeddedTarget(Target):
    """A pyoxigraph store (the build's ``store/``, or one in memory)."""

    def __init__(self, store: ox.Store, label: str = "embedded store") -> None:
        self.store = store
        self.label = label

    def execute(self, sparql: str) -> Answer:
        try:
            res = self.store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        if isinstance(res, ox.QuerySolutions):
            cols = [v.value for v in res.variables]
            rows = [dict(zip(cols, map(term_to_python, sol), strict=True)) for sol in res]
            return Answer("select", cols, rows)
        if isinstance(res, ox.QueryBoolean):
            return Answer("ask", boolean=bool(res))
        return Answer("graph", triples=list(res))


def from_rdflib(term: Any) -> Any:
    """An rdflib term as a pyoxigraph term (None stays None)."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"unexpected RDF term in an rdflib result: {term!r}")


class RdflibTarget(Target):
    """An rdflib ``Graph``, or a ``Dataset`` queried over the union of its graphs."""

    def __init__(self, graph: Any, label: str = "rdflib graph") -> None:
        from rdflib import Dataset

        if isinstance(graph, Dataset):
            graph.default_union = True
        self.graph = graph
        self.label = label

    def execute(self, sparql: str) -> Answer:
        try:
            res = self.graph.query(sparql)
        except Exception as exc:  # rdflib raises pyparsing and assorted errors
            raise QueryError(f"rdflib could not run the query: {exc}") from exc
        if res.type == "SELECT":
            cols = [str(v) for v in res.vars]
            rows = [
                {c: term_to_python(from_rdflib(row[i])) for i, c in enumerate(cols)} for row in res
            ]
            return Answer("select", cols, rows)
        if res.type == "ASK":
            return Answer("ask", boolean=bool(res.askAnswer))
        return Answer(
            "graph", triples=[ox.Triple(*(from_rdflib(t) for t in triple)) for triple in res]
        )


def _from_json(b: dict[str, Any] | None) -> Any:
    """A term of the SPARQL 1.1 JSON results format as a pyoxigraph term."""
    if b is None:
        return None
    kind = b.get("type")
    if kind == "uri":
        return ox.NamedNode(b["value"])
    if kind == "bnode":
        return ox.BlankNode(b["value"])
    if kind in ("literal", "typed-literal"):
        if b.get("xml:lang"):
            return ox.Literal(b["value"], language=b["xml:lang"])
        if b.get("datatype"):
            return ox.Literal(b["value"], datatype=ox.NamedNode(b["datatype"]))
        return ox.Literal(b["value"])
    raise QueryError(f"unexpected term in the endpoint's answer: {b!r}")


def check_url(url: str, what: str = "endpoint") -> str:
    """``url`` if it is an http(s) URL with a host; else an InputError."""
    p = urlparse(url)
    if p.scheme not in ("http", "https") or not p.netloc:
        raise InputError(f"{what} must be an http:// or https:// URL, got {url!r}")
    return url


class RemoteTarget(Target):
    """A SPARQL 1.1 endpoint over HTTP, through SPARQLWrapper.

    The endpoint's default graph must be the union of the study graphs (see the
    module docstring); queries are sent by POST so long VALUES blocks fit.
    """

    def __init__(
        self,
        endpoint: str,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.endpoint = check_url(endpoint)
        self.label = endpoint
        self.user, self.password, self.timeout = user, password, timeout

    def _wrapper(self, sparql: str, fmt: str) -> Any:
        from SPARQLWrapper import POST, SPARQLWrapper

        sw = SPARQLWrapper(self.endpoint)
        sw.setMethod(POST)
        sw.setRequestMethod("postdirectly")
        sw.setQuery(sparql)
        sw.setReturnFormat(fmt)
        sw.setTimeout(int(self.timeout))
        if self.user:
            sw.setCredentials(self.user, self.password or "")
        return sw

    def execute(self, sparql: str) -> Answer:
        from SPARQLWrapper import JSON, TURTLE

        # Whole-line comments go: SPARQLWrapper guesses the query form from the text
        # and can read a word in a comment ("reload") as the form (LOAD).
        sparql = "\n".join(x for x in sparql.splitlines() if not x.lstrip().startswith("#"))
        probe = self._wrapper(sparql, JSON)
        kind = probe.queryType
        graph_result = kind in ("CONSTRUCT", "DESCRIBE")
        sw = self._wrapper(sparql, TURTLE) if graph_result else probe
        try:
            raw = sw.query().response.read()
        except Exception as exc:  # urllib and SPARQLWrapper raise many kinds
            detail = getattr(exc, "msg", None) or str(exc)
            raise StoreError(f"{self.endpoint}: the query failed: {detail}") from exc
        if graph_result:
            try:
                triples = [
                    ox.Triple(t.subject, t.predicate, t.object)
                    for t in ox.parse(raw, format=ox.RdfFormat.TURTLE)
                ]
            except SyntaxError as exc:
                raise StoreError(f"{self.endpoint}: the answer is not Turtle: {exc}") from exc
            return Answer("graph", triples=triples)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise StoreError(f"{self.endpoint}: the answer is not SPARQL JSON: {exc}") from exc
        if "boolean" in data:
            return Answer("ask", boolean=bool(data["boolean"]))
        cols = list(data.get("head", {}).get("vars", []))
        rows = [
            {c: term_to_python(_from_json(b.get(c))) for c in cols}
            for b in data.get("results", {}).get("bindings", [])
        ]
        return Answer("select", cols, rows)


def open_target(
    store: str | None = None,
    endpoint: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> Target:
    """The target a command asked for: ``--endpoint URL`` or ``--store DIR``."""
    if endpoint:
        return RemoteTarget(endpoint, user, password)
    from kg.store import open_store

    return EmbeddedTarget(open_store(store or "build"), str(store or "build"))


def as_target(what: Any) -> Target:
    """A :class:`Target` for a store, an rdflib graph, a URL, a build folder, or a Target."""
    if isinstance(what, Target):
        return what
    if isinstance(what, ox.Store):
        return EmbeddedTarget(what)
    if isinstance(what, str) and what.startswith(("http://", "https://")):
        return RemoteTarget(what)
    try:
        from rdflib import Graph

        if isinstance(what, Graph):
            return RdflibTarget(what)
    except ImportError:  # pragma: no cover - rdflib is a dependency
        pass
    from kg.store import open_store

    return EmbeddedTarget(open_store(what), str(what))
