"""Export a built graph from the embedded store in the common RDF formats."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.rdf import TURTLE_PREFIXES
from kg.store import open_store

FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _triples(store: ox.Store) -> Iterator[ox.Triple]:
    seen: set[ox.Triple] = set()
    for q in store:
        t = q.triple
        if t not in seen:  # the same triple may sit in several study graphs
            seen.add(t)
            yield t


def export_store(store_path: str | os.PathLike[str], fmt: str, output: str) -> int:
    """Write the store's content to ``output`` ('-' for stdout); return the statement count.

    Dataset formats (nq, trig, jsonld) keep the named graphs; graph formats (ttl,
    nt) write the union of all graphs with duplicates removed. The file is
    written under a temporary name and moved into place when complete.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    store = open_store(store_path)
    rdf_format = FORMATS[fmt]
    items = list(store) if rdf_format.supports_datasets else list(_triples(store))
    prefixes = TURTLE_PREFIXES if fmt in ("ttl", "trig") else None
    if output == "-":
        data = ox.serialize(items, format=rdf_format, prefixes=prefixes)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return len(items)
    out = Path(output)
    tmp = out.with_name("." + out.name + ".tmp")
    try:
        ox.serialize(items, output=str(tmp), format=rdf_format, prefixes=prefixes)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    return len(items)
