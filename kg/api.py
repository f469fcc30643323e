"""The Python API, for notebooks and scripts.

>>> import kg.api as tk                                           # doctest: +SKIP
>>> tk.build(["examples/seeds"], "build/demo")                    # doctest: +SKIP
>>> rows = tk.query("drug-class-trials", "build/demo",
...                 params={"class": "dclass:pd1-inhibitor"})     # doctest: +SKIP
>>> df = tk.query_df("primary-endpoints-by-phase", "build/demo")  # doctest: +SKIP
>>> g = tk.trial_graph("NCT01234567", "build/demo")               # doctest: +SKIP

``target`` is anything :func:`kg.sparql.as_target` takes: a build folder (or
its ``store/``), a ``pyoxigraph.Store``, an rdflib ``Graph`` or ``Dataset``, or
the URL of a SPARQL endpoint whose default graph is the union of the study
graphs (``trialkg serve`` gives one).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.errors import InputError, QueryError

__all__ = ["build", "check", "query", "query_df", "trial_graph", "validate"]


def build(
    inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str] = "build", **kw: Any
) -> Any:
    """Build records (files or folders, any supported format) into ``out``; the build report."""
    from kg.build import build as _build

    kw.setdefault("progress", False)
    return _build([Path(p) for p in inputs], Path(out), **kw)


def _saved_or_text(name_or_text: str) -> Any:
    from kg.queries import SavedQuery, find_query

    if any(w in name_or_text.upper() for w in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")) and (
        "{" in name_or_text
    ):
        return SavedQuery(name="(text)", path=Path("-"), text=name_or_text, title="(text)")
    return find_query(name_or_text)


def query(
    name_or_text: str, target: Any = "build", params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """A saved query (by name or ``.rq`` path) or SPARQL text, as a list of dicts.

    ``params`` bind the saved query's parameters (values as on the command line:
    ``"dclass:pd1-inhibitor"``, ``'"ORR"'``, ``"<iri>"``, numbers). A CONSTRUCT
    query gives one dict per triple (subject, predicate, object); an ASK gives
    ``[{"answer": bool}]``.
    """
    from kg.queries import run_query

    q = _saved_or_text(name_or_text)
    answer = run_query(target, q, {k: str(v) for k, v in (params or {}).items()})
    if answer.kind == "graph":
        return [
            {"subject": t.subject.value, "predicate": t.predicate.value, "object": t.object.value}
            for t in sorted(answer.triples, key=str)
        ]
    if answer.kind == "ask":
        return [{"answer": answer.boolean}]
    return answer.rows


def query_df(name_or_text: str, target: Any = "build", params: dict[str, Any] | None = None) -> Any:
    """:func:`query` as a pandas DataFrame (columns in the query's order); needs pandas."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise QueryError(
            "query_df needs pandas: pip install pandas (or use query(), which gives dicts)"
        ) from exc
    from kg.queries import run_query

    q = _saved_or_text(name_or_text)
    answer = run_query(target, q, {k: str(v) for k, v in (params or {}).items()})
    if answer.kind == "select":
        return pd.DataFrame(answer.rows, columns=answer.columns)
    return pd.DataFrame(query(name_or_text, target, params))


def trial_graph(trial: str, target: Any = "build") -> Any:
    """The named graph of one trial as an rdflib Graph (by NCT id, study key or study IRI).

    The graph holds every triple read from the trial's record (the study, its
    outcomes, interventions, arms, criteria ... and the provenance of the graph).
    """
    import pyoxigraph as ox
    import rdflib

    from kg.rdf import BASE
    from kg.sparql import as_target

    if trial.startswith(BASE + "study/"):
        key = trial[len(BASE + "study/") :]
    elif trial.startswith(("http://", "https://")):
        raise InputError(f"{trial}: not a trialkg study IRI ({BASE}study/...)")
    else:
        key = trial.strip()
    if not key or "/" in key or "<" in key or ">" in key:
        raise InputError(f"{trial!r} is not an NCT id or study key")
    graph = ox.NamedNode(f"{BASE}graph/{key}")
    answer = as_target(target).execute(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
    )
    if not answer.triples:
        raise InputError(f"no trial {trial!r} in {getattr(target, 'label', target)}")
    g = rdflib.Graph(identifier=rdflib.URIRef(graph.value))
    from kg.rdf import TURTLE_PREFIXES

    for prefix, ns in TURTLE_PREFIXES.items():
        g.bind(prefix, ns)
    g.parse(data=ox.serialize(answer.triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


def validate(target: str | os.PathLike[str] = "build", **kw: Any) -> Any:
    """SHACL validation of a build folder or an RDF file (see ``trialkg validate``)."""
    from kg.validate import validate_build, validate_path

    p = Path(target)
    return validate_path(p, **kw) if p.is_file() else validate_build(p, **kw)


def check(target: str | os.PathLike[str] = "build", **kw: Any) -> Any:
    """Graph-wide consistency checks of a build folder or an RDF file (``trialkg check``)."""
    from kg.check import check_build, check_path

    p = Path(target)
    return check_path(p, **kw) if p.is_file() else check_build(p, **kw)
