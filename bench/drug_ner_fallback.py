"""Is the PyPI package drug-named-entity-recognition worth having as a fallback resolver?

Measures, each in a fresh interpreter, the import time and peak resident memory of
``drug_named_entity_recognition`` and of our own lexicon (kg.text.drugs), then runs
both over every DRUG and BIOLOGICAL intervention name in ../shared/corpus and lists
the names the package resolves that our vocabulary does not.

    pip install drug-named-entity-recognition   # not a project dependency
    python bench/drug_ner_fallback.py [--show 80]

The package is looked for at run time only; without it the script says so and exits 2.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))

# VmHWM (peak resident set of this process image) rather than ru_maxrss, which Linux
# carries over from the parent across fork and exec.
_PROBE = """
import re, sys, time
def hwm():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\\s+(\\d+)", f.read()).group(1))
base = hwm()
t = time.perf_counter()
{body}
took = time.perf_counter() - t
print(f"{{took:.3f}} {{base}} {{hwm()}}")
"""
_BODIES = {
    "drug-named-entity-recognition": "import drug_named_entity_recognition",
    "kg.text.drugs": f"sys.path.insert(0, {str(ROOT)!r})\nfrom kg.text.drugs import load_lexicon\nload_lexicon()",
}


def measure(label: str) -> tuple[float, float, float]:
    """(seconds, baseline MB, peak MB) to import/load ``label`` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(body=_BODIES[label])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    took, base, peak = float(out[0]), int(out[1]) / 1024, int(out[2]) / 1024
    return took, base, peak


def corpus_names() -> dict[str, str]:
    """Unique DRUG/BIOLOGICAL intervention names of the corpus -> the corpus folder first holding it."""
    names: dict[str, str] = {}
    where = ""

    def keep(kind: str | None, name: str | None) -> None:
        if name and (kind or "").strip().upper() in ("DRUG", "BIOLOGICAL"):
            names.setdefault(" ".join(name.split()), where)

    def v2(study: dict) -> None:
        for iv in (
            study.get("protocolSection", {})
            .get("armsInterventionsModule", {})
            .get("interventions", [])
        ):
            keep(iv.get("type"), iv.get("name"))

    where = "nsclcbench"
    for f in sorted(glob.glob(str(CORPUS / "nsclcbench" / "*.json"))):
        for s in json.loads(Path(f).read_text(encoding="utf-8")):
            v2(s)
    for f in sorted(glob.glob(str(CORPUS / "aact_fixtures" / "v2" / "*.json"))) + sorted(
        glob.glob(str(CORPUS / "urology_ed_paired" / "json" / "*.json"))
    ):
        where = Path(f).parts[-3] if "urology" in f else "aact_fixtures"
        d = json.loads(Path(f).read_text(encoding="utf-8"))
        for s in d.get("studies", [d]) if isinstance(d, dict) else d:
            v2(s)
    where = "aact_fixtures"
    for f in sorted(glob.glob(str(CORPUS / "aact_fixtures" / "v1classic" / "*.json"))):
        d = json.loads(Path(f).read_text(encoding="utf-8"))
        for fs in d.get("FullStudiesResponse", {}).get("FullStudies", []):
            mod = fs["Study"]["ProtocolSection"].get("ArmsInterventionsModule", {})
            for iv in mod.get("InterventionList", {}).get("Intervention", []):
                keep(iv.get("InterventionType"), iv.get("InterventionName"))
    for f in sorted(glob.glob(str(CORPUS / "aact_fixtures" / "xml" / "*.xml"))):
        for iv in ElementTree.parse(f).getroot().findall("intervention"):
            keep(iv.findtext("intervention_type"), iv.findtext("intervention_name"))
    for sub in ("recent2025_csv", "mrd_hemeonc_csv"):
        where = sub
        for f in sorted(glob.glob(str(CORPUS / sub / "*.csv"))):
            with open(f, encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    for part in (row.get("Interventions") or "").split("|"):
                        if ":" in part:
                            kind, name = part.split(":", 1)
                            keep(kind.replace(" ", "_"), name)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=80, help="how many package-only names to list")
    args = ap.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("drug_named_entity_recognition") is None:
        print(
            "drug-named-entity-recognition is not installed: pip install drug-named-entity-recognition"
        )
        return 2
    for label in _BODIES:  # before this process imports either
        took, base, peak = measure(label)
        print(
            f"{label:32s} import/load {took:6.2f} s   peak RSS {peak:7.1f} MB (+{peak - base:.1f} MB over bare Python)"
        )

    from drug_named_entity_recognition import find_drugs

    from kg.text.drugs import resolve_intervention

    source = corpus_names()
    names = list(source)
    ours = {n for n in names if resolve_intervention(n)}
    theirs: dict[str, list[str]] = {}
    for n in names:
        tokens = re.findall(r"[\w\-]+", n)
        try:
            hits = find_drugs(tokens, is_ignore_case=True)
        except Exception as e:  # the package is not robust to every input
            theirs[n] = [f"<error {type(e).__name__}>"]
            continue
        if hits:
            theirs[n] = sorted({h[0].get("name", "?") for h in hits})
    errors = [n for n, v in theirs.items() if v and v[0].startswith("<error")]
    only_theirs = sorted(n for n in theirs if n not in ours and n not in errors)
    print(f"\ncorpus DRUG/BIOLOGICAL intervention names: {len(names)}")
    print(f"  resolved by kg.text.drugs:           {len(ours)}")
    print(
        f"  resolved by the package:             {len(theirs) - len(errors)}  (errors: {len(errors)})"
    )
    print(f"  resolved by both:                    {len(ours & set(theirs))}")
    print(f"  resolved by the package only:        {len(only_theirs)}")
    by_source: dict[str, int] = {}
    for n in only_theirs:
        by_source[source[n]] = by_source.get(source[n], 0) + 1
    print(
        "  package-only by corpus folder:       "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))
    )
    print(f"\npackage-only names (first {args.show}):")
    for n in only_theirs[: args.show]:
        print(f"  [{source[n][:10]:10s}] {n!r:64.64s} -> {', '.join(theirs[n])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
