"""The plain-rdflib build pipeline: the reference ``trialkg build`` is measured against.

    python bench/plain_rdflib.py INPUTS... --out DIR

What one writes first in Python: read each record (trialkg's readers), run the
same text stage and the same mapping (``kg.rdf.record_quads``), but keep every
triple in one rdflib ``Dataset`` (a named graph per study, the vocabulary
graph too) and, at the end, serialize it with rdflib as N-Quads (``DIR/trials.nq``)
and as Turtle (``DIR/trials.ttl``). One process, everything in memory, no
embedded store: the same triples as ``trialkg build`` writes (rdflib writes
some literals in its canonical form: the xsd:duration "P24M" as "P2Y"). Prints one JSON
line: records read, studies built, triples, seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rdflib import Dataset, Graph, URIRef  # noqa: E402

from kg.build import enrich  # noqa: E402
from kg.rdf import record_quads, vocab_quads  # noqa: E402
from kg.record import Rejection  # noqa: E402
from kg.sources import iter_records  # noqa: E402
from kg.validate import _to_rdflib  # noqa: E402


def plain_build(inputs: list[Path], out: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    ds = Dataset()

    def add(quads: list) -> None:
        for q in quads:
            g = ds.graph(URIRef(q.graph_name.value))
            g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))

    add(vocab_quads())
    read = built = 0
    seen: set[str] = set()
    for item in iter_records(inputs):
        read += 1
        if isinstance(item, Rejection):
            continue
        try:
            key, _graph, quads = record_quads(enrich(item))
        except Exception:  # noqa: BLE001 - as the build: a bad record is skipped
            continue
        if key in seen:
            continue
        seen.add(key)
        built += 1
        add(quads)
    out.mkdir(parents=True, exist_ok=True)
    ds.serialize(destination=str(out / "trials.nq"), format="nquads")
    union = Graph()
    for g in ds.graphs():
        for t in g:
            union.add(t)
    union.serialize(destination=str(out / "trials.ttl"), format="turtle")
    triples = sum(len(g) for g in ds.graphs())
    return {
        "read": read,
        "built": built,
        "triples": triples,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(plain_build(args.inputs, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
