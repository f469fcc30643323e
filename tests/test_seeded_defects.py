"""Seeded defects: every named kind injected into real records is caught by the right shape.

The corpus is real ClinicalTrials.gov records (nsclcbench + aact_fixtures/v2). Each
kind of ``tests/defects.py`` is injected into its own study (or into the
vocabulary graph), the whole mutated dataset is validated once, and each kind must
be reported by its expected shape or violation query, at its expected severity,
about its own study, and as a new finding (not already reported for the clean
record). The clean corpus, and every study no kind touched, must give no Violation.

Check-side kinds (``caught_by="check"``) are seeded with the others and must be
reported by their ``trialkg check`` check, at its level, about their own study (or
vocabulary node), and be new against the clean corpus, which has no error-level
finding.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus
from defects import DEFECTS, SeededCorpus, by_name, seed_corpus
from rdflib import URIRef
from rdflib.namespace import SH

from kg import check as kc
from kg import validate as kv
from kg.queries import list_queries

# About 11 s of CPU (two builds, two validations), 18-31 s on a busy two-core machine.
pytestmark = [needs_corpus, pytest.mark.corpus, pytest.mark.slow]

INPUTS = [CORPUS / "nsclcbench", CORPUS / "aact_fixtures" / "v2"]
# Real records left out of the corpus, NCT id -> why. None so far: every record of
# nsclcbench and aact_fixtures/v2 validates without a Violation.
EXCLUDED: dict[str, str] = {}
SHAPE_SIDE = ("shacl", "query")
KINDS = by_name()


def _key(r: kv.Result) -> tuple[str, str, str, str | None]:
    return (r.shape, r.severity, r.focus, r.value)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> SeededCorpus:
    return seed_corpus(INPUTS, tmp_path_factory.mktemp("seeded"), DEFECTS, EXCLUDED)


@pytest.fixture(scope="module")
def baseline(seeded: SeededCorpus) -> kv.ValidationResult:
    """The clean corpus, validated."""
    return kv.validate_path(seeded.clean_nq, severity="Info")


@pytest.fixture(scope="module")
def findings(seeded: SeededCorpus) -> kv.ValidationResult:
    """The dataset with every kind injected, validated once."""
    return kv.validate_path(seeded.nq, severity="Info")


@pytest.fixture(scope="module")
def check_baseline(seeded: SeededCorpus) -> kc.CheckReport:
    return kc.check_path(seeded.clean_nq, with_structure=False)


@pytest.fixture(scope="module")
def checked(seeded: SeededCorpus) -> kc.CheckReport:
    return kc.check_path(seeded.nq, with_structure=False)


def _check_key(f: kc.Finding) -> tuple[str, str, tuple[str, ...]]:
    return (f.check, f.message, f.nodes)


def _caught_by_check(
    name: str, seeded: SeededCorpus, before: kc.CheckReport, after: kc.CheckReport
) -> list[kc.Finding]:
    """New findings of the kind's check, at its level, about its own study or nodes."""
    kind, target = KINDS[name], seeded.targets[name]
    old = {_check_key(f) for f in before.findings}
    return [
        f
        for f in after.findings
        if f.check == kind.expect
        and f.severity == kind.severity
        and (f.study_iri in target.studies or set(f.nodes) & set(target.nodes))
        and _check_key(f) not in old
    ]


def _caught(
    name: str, seeded: SeededCorpus, baseline: kv.ValidationResult, found: kv.ValidationResult
) -> list[kv.Result]:
    """The new results of the kind's expected shape and severity about its own target."""
    kind = KINDS[name]
    before = {_key(r) for r in baseline.results}
    return [
        r
        for r in found.results
        if r.shape == kind.result_shape
        and r.severity == kind.severity
        and name in seeded.owners(r, proper=True)
        and _key(r) not in before
    ]


# ----------------------------------------------------------------------------- the registry


def test_registry_has_at_least_20_shape_side_kinds_with_unique_names() -> None:
    names = [d.name for d in DEFECTS]
    assert len(names) == len(set(names)), Counter(names).most_common(3)
    shape_side = [d for d in DEFECTS if d.caught_by in SHAPE_SIDE]
    assert len(shape_side) >= 20, [d.name for d in shape_side]
    assert len({d.expect for d in shape_side}) >= 20, "kinds should exercise many shapes"
    assert sum(d.scope == "record" for d in DEFECTS) >= 2, "record-level kinds"


def test_expected_shapes_and_queries_exist_with_that_severity() -> None:
    shapes = kv.load_shapes("all")
    queries = {q.name for q in list_queries() if q.is_violation}
    problems = []
    for d in DEFECTS:
        if d.caught_by == "query" and d.expect not in queries:
            problems.append(f"{d.name}: no violation query {d.expect}")
        elif d.caught_by == "shacl":
            declared = shapes.value(URIRef(d.expect), SH.severity)
            if declared is None:
                problems.append(f"{d.name}: no shape {d.expect}")
            elif str(declared) != str(SH) + d.severity:
                problems.append(f"{d.name}: {kv.compact(d.expect)} is a {declared}")
    assert not problems, "\n".join(problems)


def test_each_kind_has_its_own_target(seeded: SeededCorpus) -> None:
    assert set(seeded.targets) == set(KINDS)
    graphs = [g for t in seeded.targets.values() for g in t.graphs + t.partners]
    assert len(graphs) == len(set(graphs)), Counter(graphs).most_common(3)
    nodes = [n for t in seeded.targets.values() for n in t.nodes]
    assert len(nodes) == len(set(nodes))
    # Most of the corpus stays clean, so the no-Violation check below means something.
    assert seeded.studies >= 100 and len(seeded.clean_graphs) >= seeded.studies // 3


# ----------------------------------------------------------------------------- recall


def test_clean_corpus_has_no_violation(baseline: kv.ValidationResult) -> None:
    assert baseline.studies >= 100
    assert baseline.counts()["Violation"] == 0, baseline.to_table()


def test_targets_are_not_flagged_before_seeding(
    seeded: SeededCorpus, baseline: kv.ValidationResult
) -> None:
    """The control: no target study already has a finding of its kind's shape."""
    early = sorted(
        {
            (name, kv.compact(r.shape))
            for r in baseline.results
            for name in seeded.owners(r, proper=True)
            if r.shape == KINDS[name].result_shape
        }
    )
    assert not early, early


@pytest.mark.parametrize("name", list(KINDS))
def test_defect_is_caught(
    name: str, seeded: SeededCorpus, baseline: kv.ValidationResult, findings: kv.ValidationResult
) -> None:
    kind = KINDS[name]
    if kind.caught_by == "check":
        return  # asserted by test_check_side_defect_is_caught
    hits = _caught(name, seeded, baseline, findings)
    target = seeded.targets[name]
    about = sorted(
        {(kv.compact(r.shape), r.severity) for r in findings.results if name in seeded.owners(r)}
    )
    assert hits, (
        f"{name} (seeded into {target.nct_id or 'the vocabulary'}: "
        f"{', '.join(target.graphs or target.nodes)}) was not reported by "
        f"{kv.compact(kind.result_shape)} at {kind.severity}; found about it: {about}"
    )


@pytest.mark.parametrize("name", [d.name for d in DEFECTS if d.caught_by == "check"])
def test_check_side_defect_is_caught(
    name: str,
    seeded: SeededCorpus,
    check_baseline: kc.CheckReport,
    checked: kc.CheckReport,
) -> None:
    kind, target = KINDS[name], seeded.targets[name]
    hits = _caught_by_check(name, seeded, check_baseline, checked)
    about = sorted(
        {
            (f.check, f.severity)
            for f in checked.findings
            if f.study_iri in target.studies or set(f.nodes) & set(target.nodes)
        }
    )
    assert hits, (
        f"{name} (seeded into {target.nct_id or 'the vocabulary'}) was not reported by "
        f"check {kind.expect} at {kind.severity}; found about it: {about}"
    )


def test_clean_corpus_passes_the_checks(check_baseline: kc.CheckReport) -> None:
    assert check_baseline.studies >= 100
    assert check_baseline.ok, check_baseline.to_table()


def test_seeded_corpus_fails_the_checks(checked: kc.CheckReport) -> None:
    """Error-level kinds (duplicate trial, split drug, cycle, dangling IRI) fail the run."""
    assert not checked.ok
    assert {f.check for f in checked.failing} == {
        d.expect for d in DEFECTS if d.caught_by == "check" and d.severity == "error"
    }


def test_recall_is_100_percent(
    seeded: SeededCorpus,
    baseline: kv.ValidationResult,
    findings: kv.ValidationResult,
    check_baseline: kc.CheckReport,
    checked: kc.CheckReport,
) -> None:
    kinds = list(DEFECTS)
    missed = [
        d.name
        for d in kinds
        if not (
            _caught_by_check(d.name, seeded, check_baseline, checked)
            if d.caught_by == "check"
            else _caught(d.name, seeded, baseline, findings)
        )
    ]
    recall = (len(kinds) - len(missed)) / len(kinds)
    assert not missed, f"recall {recall:.0%} over {len(kinds)} kinds; missed: {missed}"


def test_untouched_studies_have_no_violation(
    seeded: SeededCorpus, findings: kv.ValidationResult
) -> None:
    """Every Violation of the seeded dataset is about a study (or node) some kind touched."""
    stray = [r for r in findings.failing if r.severity == "Violation" and not seeded.owners(r)]
    assert not stray, "\n".join(
        f"{r.study or r.source}: {kv.compact(r.shape)} {r.focus} {r.message}" for r in stray[:20]
    )
    clean = set(seeded.clean_graphs)
    assert not [r for r in findings.results if r.graph in clean and r.severity == "Violation"]


def test_seeded_dataset_keeps_the_build_layout(seeded: SeededCorpus) -> None:
    """Vocabulary graph first, then one run of quads per study graph, as in trials.nq."""
    import pyoxigraph as ox

    names: list[str] = []
    for q in ox.parse(path=str(seeded.nq), format=ox.RdfFormat.N_QUADS):
        g = q.graph_name.value
        if not names or names[-1] != g:
            names.append(g)
    assert names[0].endswith("/graph/vocab")
    assert len(names) == len(set(names)) == seeded.studies + 1
    assert Path(seeded.clean_nq).is_file()
