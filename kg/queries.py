"""Saved SPARQL queries: ``queries/NAME.rq``, one question per file.

Each file starts with a header of comment lines::

    # title: Trials using ORR as a primary endpoint
    # question: Which trials have a primary outcome typed as objective response rate?
    # params: endpoint="ORR" (endpoint type code, as its skos:notation)
    # returns: nct_id, title, measure

``params`` lists the variables a caller may bind, each with its default as a
SPARQL term (``"text"``, ``<iri>``, ``prefix:local`` or a number). Parameters
are bound as values (never pasted into the query text), so a value holding
quotes, braces or ``#`` cannot change what the query means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.rdf import PREFIXES

QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"

_HEADER = re.compile(r"^#\s*(title|question|params|returns):\s*(.*)$")
_PARAM = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|<[^>]*>|[\w.:-]+)\s*(?:\(([^)]*)\))?')


@dataclass
class Param:
    name: str
    default: str  # a SPARQL term as text
    help: str = ""


@dataclass
class SavedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    question: str = ""
    returns: str = ""
    params: list[Param] = field(default_factory=list)

    @property
    def is_violation(self) -> bool:
        return self.name.endswith("-violation")


def parse_header(path: Path) -> SavedQuery:
    """Read a saved query and its header; raise QueryError when the header is incomplete."""
    text = path.read_text(encoding="utf-8")
    q = SavedQuery(name=path.stem, path=path, text=text)
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "params":
            if value.lower() not in ("", "none", "-"):
                for pm in _PARAM.finditer(value):
                    q.params.append(Param(pm.group(1), pm.group(2), (pm.group(3) or "").strip()))
        else:
            setattr(q, key, value)
    if not q.title or not q.question:
        raise QueryError(f"{path}: the header needs '# title:' and '# question:' lines")
    return q


def list_queries(directory: Path = QUERY_DIR) -> list[SavedQuery]:
    """Every saved query, sorted by name."""
    return [parse_header(p) for p in sorted(directory.glob("*.rq"))]


def find_query(name_or_path: str, directory: Path = QUERY_DIR) -> SavedQuery:
    """A saved query by name (``anti-pd1-trials``) or by the path of any ``.rq`` file."""
    p = Path(name_or_path)
    if p.suffix == ".rq" and p.exists():
        return parse_header(p)
    cand = directory / f"{name_or_path}.rq"
    if cand.exists():
        return parse_header(cand)
    names = ", ".join(q.name for q in list_queries(directory))
    raise QueryError(f"no saved query {name_or_path!r}; saved queries: {names}")


def parse_term(text: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term.

    ``<iri>`` and ``http(s)://...`` give IRIs; ``prefix:local`` with a known
    trialkg prefix gives an IRI; integers and decimals give typed literals;
    ``"quoted"`` or anything else gives a plain string literal, verbatim.

    >>> parse_term("dclass:pd1-inhibitor").value
    'https://w3id.org/trialkg/vocab/class/pd1-inhibitor'
    >>> parse_term('"ORR"').value
    'ORR'
    """
    t = text.strip()
    if (t.startswith("<") and t.endswith(">")) or re.match(r"^https?://\S+$", t):
        iri = t[1:-1] if t.startswith("<") else t
        try:
            return ox.NamedNode(iri)
        except ValueError as exc:
            raise QueryError(f"not a valid absolute IRI: {iri!r} ({exc})") from exc
    m = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]+)", t)
    if m and m.group(1) in PREFIXES:
        return ox.NamedNode(PREFIXES[m.group(1)] + m.group(2))
    if len(t) >= 2 and t.startswith('"') and t.endswith('"'):
        return ox.Literal(t[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
    if re.fullmatch(r"-?\d+", t):
        return ox.Literal(t, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if re.fullmatch(r"-?\d+\.\d+", t):
        return ox.Literal(t, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    return ox.Literal(text)


def bindings_for(query: SavedQuery, given: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults of the query's params overridden by ``given`` (name -> value text)."""
    given = dict(given or {})
    known = {p.name for p in query.params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise QueryError(
            f"query {query.name!r} has no parameter {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(known)) or 'none'}"
        )
    out: dict[str, Any] = {}
    for p in query.params:
        out[p.name] = parse_term(given[p.name]) if p.name in given else parse_term(p.default)
    return out


def run_query(target: Any, query: SavedQuery, params: dict[str, str] | None = None) -> Any:
    """Run a saved query on any target (see :mod:`kg.sparql`): an :class:`~kg.sparql.Answer`."""
    from kg.sparql import as_target

    return as_target(target).run(query.text, bindings_for(query, params))


def run_on_store(store: ox.Store, query: SavedQuery, params: dict[str, str] | None = None):
    """Run a saved query on the union of a store's graphs: (columns, rows).

    A CONSTRUCT query's triples come back as rows of subject, predicate, object.
    """
    answer = run_query(store, query, params)
    if answer.kind == "graph":
        cols = ["subject", "predicate", "object"]
        rows = [
            {"subject": t.subject.value, "predicate": t.predicate.value, "object": t.object.value}
            for t in sorted(answer.triples, key=str)
        ]
        return cols, rows
    if answer.kind == "ask":
        return ["answer"], [{"answer": answer.boolean}]
    return answer.columns, answer.rows
