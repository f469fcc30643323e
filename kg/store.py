"""The embedded store (pyoxigraph, on disk) and SPARQL over it.

Saved queries are written against the union of all graphs (every study graph
plus the vocabulary graph), so they run unchanged on a store, on an rdflib
Dataset with ``default_union``, or on a remote endpoint configured that way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import StoreError


def store_dir(path: str | os.PathLike[str]) -> Path:
    """Accept a build folder or its ``store/`` inside; return the store folder."""
    p = Path(path)
    if (p / "store").is_dir():
        return p / "store"
    return p


def open_store(path: str | os.PathLike[str], read_only: bool = True) -> ox.Store:
    """Open an existing embedded store (a build folder or its ``store/``)."""
    d = store_dir(path)
    if not d.is_dir() or not (d / "CURRENT").is_file():  # RocksDB's marker file
        raise StoreError(f"{path}: no store here (build one with `trialkg build INPUT --out DIR`)")
    try:
        return ox.Store.read_only(str(d)) if read_only else ox.Store(str(d))
    except OSError as exc:
        raise StoreError(f"{d}: cannot open the store: {exc}") from exc


RDF_FILE_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


def load_rdf_file(path: str | os.PathLike[str]) -> ox.Store:
    """An in-memory store holding one RDF file (Turtle, N-Triples, N-Quads or TriG, by suffix)."""
    from kg.errors import InputError

    p = Path(path)
    fmt = RDF_FILE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(f"{p}: unknown RDF file type; use .ttl, .nt, .nq or .trig")
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    store = ox.Store()
    try:
        store.bulk_load(path=str(p), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"{p}: cannot read as {p.suffix[1:]}: {exc}") from exc
    return store


def _to_int(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def _to_float(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _to_decimal(text: str) -> Any:
    try:
        v = float(text)
    except ValueError:
        return text
    return int(v) if v.is_integer() else v


# by the datatype IRI's last part (after "#"): xsd:integer, xsd:decimal...
_LITERAL_VALUE = {
    "integer": _to_int,
    "int": _to_int,
    "long": _to_int,
    "decimal": _to_decimal,
    "double": _to_float,
    "float": _to_float,
    "boolean": lambda text: text == "true",
}


def term_to_python(term: Any) -> Any:
    """A SPARQL result term as a plain Python value (IRI and text as str, numbers as numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype
        conv = _LITERAL_VALUE.get(dt.value.rpartition("#")[2]) if dt is not None else None
        return conv(term.value) if conv is not None else term.value
    return term.value


def select(
    store: ox.Store, sparql: str, bindings: dict[str, Any] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a SELECT on the union of all graphs; return (columns, rows as dicts).

    ``bindings`` (variable name -> RDF term) are bound with a trailing VALUES
    clause written from the terms' own serialization, so a value can never
    change the structure of the query.
    """
    sparql = with_values(sparql, bindings)
    try:
        res = store.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise StoreError(f"SPARQL syntax error: {exc}") from exc
    if not isinstance(res, ox.QuerySolutions):
        raise StoreError("not a SELECT query")
    cols = [v.value for v in res.variables]
    rows = [dict(zip(cols, map(term_to_python, sol), strict=True)) for sol in res]
    return cols, rows


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(sparql: str, bindings: dict[str, Any] | None) -> str:
    """``sparql`` with a ``VALUES`` block binding each variable to one term.

    The block opens the query's first ``WHERE {`` group, so the bindings hold
    before any grouping or aggregation (a trailing VALUES clause would be
    joined after GROUP BY, where grouped-away variables are unbound). Terms are
    written in their N-Triples form, quotes, newlines and braces escaped by the
    serializer (``VALUES (?o) { ("a\\"}") }``), so a value cannot change the
    structure of the query. Comment lines are skipped when looking for WHERE.
    """
    if not bindings:
        return sparql
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StoreError(f"not a SPARQL variable name: {name!r}")
    names = " ".join("?" + k for k in bindings)
    terms = " ".join(str(v) for v in bindings.values())
    block = f" VALUES ({names}) {{ ({terms}) }}"
    # Blank out comments (same length) so a WHERE inside one is not matched.
    masked = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), sparql)
    m = _WHERE.search(masked)
    if not m:
        raise StoreError("cannot bind parameters: the query has no WHERE { ... } group")
    return sparql[: m.end()] + block + sparql[m.end() :]


def count_graphs(store: ox.Store) -> int:
    return sum(1 for _ in store.named_graphs())
