"""`trialkg check`: graph-wide consistency checks, on the seeds, small graphs and the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, needs_corpus

from kg.check import CHECKS, CHECKS_BY_ID, check_build, check_path
from kg.cli import main

TTL_PREFIXES = """@prefix tkg: <https://w3id.org/trialkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix drug: <https://w3id.org/trialkg/vocab/drug/> .
@prefix dclass: <https://w3id.org/trialkg/vocab/class/> .
@prefix endpoint: <https://w3id.org/trialkg/vocab/endpoint/> .
@prefix criteria: <https://w3id.org/trialkg/vocab/criteria/> .
@prefix study: <https://w3id.org/trialkg/study/> .
"""

# A minimal, complete study: condition, intervention with an agent, primary outcome.
GOOD_STUDY = """
study:NCT00000001 a tkg:Study ; tkg:nctId "NCT00000001" ; tkg:briefTitle "A good study" ;
    tkg:hasCondition <https://w3id.org/trialkg/condition/lung-cancer> ;
    tkg:hasIntervention <https://w3id.org/trialkg/study/NCT00000001/intervention/1> ;
    tkg:hasOutcome <https://w3id.org/trialkg/study/NCT00000001/outcome/1> .
<https://w3id.org/trialkg/condition/lung-cancer> a tkg:Condition .
<https://w3id.org/trialkg/study/NCT00000001/intervention/1> a tkg:Intervention ;
    tkg:hasAgent drug:pembrolizumab .
<https://w3id.org/trialkg/study/NCT00000001/outcome/1> a tkg:Outcome ;
    tkg:hasRole tkg:PrimaryOutcome ; tkg:hasEndpointType endpoint:orr ;
    tkg:assessedBy criteria:recist-1.1 .
drug:pembrolizumab a tkg:Drug ; rdfs:label "pembrolizumab"@en ; tkg:inDrugClass dclass:pd1 .
dclass:pd1 a tkg:DrugClass ; tkg:broaderDrugClass dclass:icb .
dclass:icb a tkg:DrugClass .
endpoint:orr a tkg:EndpointType ; tkg:broaderEndpointType endpoint:tumour-response .
endpoint:os a tkg:EndpointType .
endpoint:tumour-response a tkg:EndpointType .
criteria:recist-1.1 a tkg:AssessmentCriteria ; tkg:appliesToEndpointType endpoint:tumour-response .
"""


def _write(tmp_path: Path, extra: str = "", base: str = GOOD_STUDY) -> Path:
    p = tmp_path / "g.ttl"
    p.write_text(TTL_PREFIXES + base + extra, encoding="utf-8")
    return p


def _ids(report) -> dict[str, int]:  # noqa: ANN001
    return {k: v for k, v in report.counts().items() if v}


def test_every_check_has_id_level_description_and_fix() -> None:
    assert len(CHECKS) == len(CHECKS_BY_ID) >= 10
    for c in CHECKS:
        assert c.severity in ("error", "warning", "info")
        assert c.description and c.fix and c.id.islower()


def test_a_good_graph_has_no_findings(tmp_path: Path) -> None:
    report = check_path(_write(tmp_path))
    assert report.studies == 1
    assert report.findings == [], report.to_table()
    assert report.ok


def test_seeds_report_the_dosing_cycle_and_unit_findings(seeds_build: Path) -> None:
    """The acceptance: the JS001 seed doses every 2 weeks in 21-day cycles, at '3mg/mg'."""
    report = check_build(seeds_build)
    assert report.ok, report.to_table()
    assert _ids(report) == {"interval-vs-cycle": 1, "implausible-unit": 1}
    for f in report.findings:
        assert f.study == "Study of JS001 in Patients With Advanced Neuroendocrine Tumors"
        assert f.source.endswith("js001-neuroendocrine.txt")
        assert f.nodes[0].endswith("/regimen/1") and f.fix
    cycle = next(f for f in report.findings if f.check == "interval-vs-cycle")
    assert "every 14 days" in cycle.message and "21-day cycles" in cycle.message
    unit = next(f for f in report.findings if f.check == "implausible-unit")
    assert "'mg/mg'" in unit.message
    # The two seeds share the PD-1 class and ORR as primary endpoint: one component.
    assert report.structure["components"] == {"count": 1, "sizes": [2], "isolated": 0}


def test_unreachable_study_names_what_is_missing(tmp_path: Path) -> None:
    lone = """study:NCT00000002 a tkg:Study ; tkg:nctId "NCT00000002" ; tkg:briefTitle "Lone" ;
        tkg:hasCondition <https://w3id.org/trialkg/condition/lung-cancer> ."""
    report = check_path(_write(tmp_path, lone))
    [f] = report.findings
    assert (f.check, f.study, f.severity) == ("study-unreachable", "NCT00000002", "warning")
    assert f.message == "no path from any intervention / primary outcome to this study"
    assert report.ok  # a warning does not fail the run at the default level
    assert not check_path(tmp_path / "g.ttl", fail_on="warning").ok


def test_dangling_vocabulary_is_an_error(tmp_path: Path) -> None:
    extra = "<https://w3id.org/trialkg/study/NCT00000001/intervention/1> tkg:hasAgent drug:nodrug ."
    report = check_path(_write(tmp_path, extra))
    [f] = report.findings
    assert f.check == "dangling-vocabulary" and f.severity == "error"
    assert f.study == "NCT00000001" and "drug:nodrug" in f.message
    assert not report.ok


def test_class_cycle_split_drug_and_orphans(tmp_path: Path) -> None:
    extra = """dclass:icb tkg:broaderDrugClass dclass:pd1 .
    drug:pembro2 a tkg:Drug ; rdfs:label "Pembrolizumab"@en ; tkg:inDrugClass dclass:pd1 .
    drug:lonely a tkg:Drug ; rdfs:label "lonely"@en .
    dclass:empty a tkg:DrugClass .
    endpoint:os tkg:broaderEndpointType endpoint:os ."""
    report = check_path(_write(tmp_path, extra))
    by = {}
    for f in report.findings:
        by.setdefault(f.check, []).append(f)
    assert sorted(by) == ["class-hierarchy-cycle", "orphan-vocabulary", "split-drug"]
    cycles = sorted(f.message for f in by["class-hierarchy-cycle"])
    assert "drug-class hierarchy" in cycles[0] and "dclass:icb" in cycles[0]
    assert "endpoint:os -> endpoint:os" in cycles[1]
    [split] = by["split-drug"]
    assert split.nodes == (
        "https://w3id.org/trialkg/vocab/drug/pembro2",
        "https://w3id.org/trialkg/vocab/drug/pembrolizumab",
    )
    assert sorted(f.nodes[0].rsplit("/", 1)[1] for f in by["orphan-vocabulary"]) == [
        "empty",
        "lonely",
    ]


def test_duplicates_by_id_and_by_title(tmp_path: Path) -> None:
    extra = """study:T0123456789abcdef a tkg:Study ; tkg:briefTitle "A  GOOD study!" .
    study:NCT00000003 a tkg:Study ; tkg:nctId "NCT00000001" ; tkg:briefTitle "Other" .
    study:NCT00000004 a tkg:Study ; tkg:nctId "NCT00000004" ; tkg:briefTitle "Same title" .
    study:NCT00000005 a tkg:Study ; tkg:nctId "NCT00000005" ; tkg:briefTitle "Same Title" ."""
    report = check_path(_write(tmp_path, extra), only=["duplicate-trial", "same-title-trials"])
    dup = sorted(f.message for f in report.findings if f.check == "duplicate-trial")
    assert len(dup) == 2
    assert dup[0].startswith("2 study nodes share NCT id NCT00000001")
    assert dup[1].startswith("2 study nodes share the same normalized title")
    [same] = [f for f in report.findings if f.check == "same-title-trials"]
    assert same.message.startswith("NCT00000004, NCT00000005 have the same title")
    assert not report.ok


def test_criteria_that_do_not_fit_the_endpoint(tmp_path: Path) -> None:
    extra = """<https://w3id.org/trialkg/study/NCT00000001/outcome/2> a tkg:Outcome ;
        tkg:hasRole tkg:SecondaryOutcome ; tkg:measure "Overall survival" ;
        tkg:hasEndpointType endpoint:os ; tkg:assessedBy criteria:recist-1.1 .
    study:NCT00000001 tkg:hasOutcome <https://w3id.org/trialkg/study/NCT00000001/outcome/2> ."""
    report = check_path(_write(tmp_path, extra))
    # ORR under tumour-response fits RECIST (through the hierarchy); OS does not.
    [f] = report.findings
    assert f.check == "criteria-endpoint-mismatch"
    assert "'Overall survival' is typed endpoint:os" in f.message


def test_contradictions_come_from_the_records_findings(tmp_path: Path) -> None:
    extra = """study:NCT00000001 tkg:hasFinding <https://w3id.org/trialkg/study/NCT00000001/finding/1> ,
        <https://w3id.org/trialkg/study/NCT00000001/finding/2> .
    <https://w3id.org/trialkg/study/NCT00000001/finding/1> a tkg:DataQualityFinding ;
        tkg:findingKind "phase-conflict" ; tkg:message "the text says 'phase II'" .
    <https://w3id.org/trialkg/study/NCT00000001/finding/2> a tkg:DataQualityFinding ;
        tkg:findingKind "enrollment-ambiguous" ; tkg:message "two numbers" ."""
    [f] = check_path(_write(tmp_path, extra)).findings
    assert f.check == "prose-contradiction"
    assert f.message == "phase-conflict: the text says 'phase II'"


def test_cli_table_json_and_exit_codes(seeds_build: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["check", "--store", str(seeds_build)])
    assert res.exit_code == 0, res.output
    assert "interval-vs-cycle" in res.output and "Cross-trial structure" in res.output
    res = runner.invoke(main, ["check", "--store", str(seeds_build), "--fail-on", "warning"])
    assert res.exit_code == 1
    assert "check failed: 2 findings at level warning or above" in res.output
    out = tmp_path / "check.json"
    res = runner.invoke(
        main, ["check", "--store", str(seeds_build), "--format", "json", "-o", str(out)]
    )
    assert res.exit_code == 0
    data = json.loads(out.read_text())
    assert data["ok"] is True and len(data["checks"]) == len(CHECKS)
    assert {f["check"] for f in data["findings"]} == {"interval-vs-cycle", "implausible-unit"}
    res = runner.invoke(main, ["check", "--store", str(seeds_build), "--check", "nope"])
    assert res.exit_code == 2 and "no check nope" in res.output
    res = runner.invoke(main, ["check", "--store", str(tmp_path / "absent")])
    assert res.exit_code == 2 and "no such build folder" in res.output
    res = runner.invoke(main, ["check", "--list"])
    assert res.exit_code == 0 and all(c.id in res.output for c in CHECKS)
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    res = runner.invoke(main, ["check", str(bad)])
    assert res.exit_code == 2 and "cannot read as ttl" in res.output


def test_error_level_graph_fails_the_cli(tmp_path: Path) -> None:
    g = _write(tmp_path, "dclass:icb tkg:broaderDrugClass dclass:pd1 .")
    res = CliRunner().invoke(main, ["check", str(g), "--no-structure"])
    assert res.exit_code == 1
    assert "class-hierarchy-cycle" in res.output


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_flat_copies_of_json_trials_are_found(tmp_path: Path) -> None:
    """Each nsclcbench study is also in flat/ (rendered from it, no NCT id): 100 duplicates."""
    from kg.build import build

    ids = [
        json.loads(line)["nct_id"]
        for line in (CORPUS / "flat" / "truth.jsonl").read_text().splitlines()
    ]
    nsclc = {s["protocolSection"]["identificationModule"]["nctId"] for s in _nsclc()}
    flats = [CORPUS / "flat" / f"{i}.txt" for i in ids if i in nsclc]
    assert len(flats) == 100
    build([CORPUS / "nsclcbench", *flats], tmp_path / "kg", progress=False)
    report = check_build(tmp_path / "kg", only=["duplicate-trial"])
    assert report.studies == 200
    dups = report.findings
    assert len(dups) == 100
    for f in dups:
        assert len(f.nodes) == 2 and f.study.startswith("NCT")
        assert any("/study/T" in n for n in f.nodes)
        assert "flat/NCT" in f.message and "nsclcbench" in f.message


def _nsclc() -> list[dict]:
    path = next((CORPUS / "nsclcbench").glob("*.json"))
    return json.loads(path.read_text(encoding="utf-8"))
