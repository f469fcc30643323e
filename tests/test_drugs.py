"""Tests for kg.text.drugs and the drug / drug-class vocabularies it reads.

Three groups: the resolver's behaviour (seed cases, code names, combinations,
fallbacks), data-integrity checks over ontology/vocab/drugs.ttl and
drug_classes.ttl whose messages say how to fix a failure, and the hand-labelled
evaluation set (tests/data/eval/interventions.jsonl; bench/eval_drugs.py prints
the full report).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from kg.record import Agent
from kg.text.drugs import (
    CLASS_BASE,
    DEFAULT_PATHS,
    DRUG_BASE,
    REGIMENS,
    canonical_mesh_id,
    class_by_id,
    class_closure,
    class_iri,
    drug_by_id,
    drug_iri,
    find_mentions,
    load_lexicon,
    normalize,
    resolve_intervention,
    split_combination,
    strip_dose_and_form,
)

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval" / "interventions.jsonl"
TKG = Namespace("https://w3id.org/trialkg/ontology#")
CLASSES_FILE, DRUGS_FILE = DEFAULT_PATHS


def ids(name: str, *args: object) -> list[str | None]:
    return [a.id for a in resolve_intervention(name, *args)]  # type: ignore[arg-type]


# ------------------------------------------------------------------ seeds


def test_seed_generic_pd1_mention_is_one_class_agent() -> None:
    agents = resolve_intervention("humanized anti-PD-1 monoclonal antibody")
    assert agents == [
        Agent(
            name="PD-1 inhibitor",
            classes=["PD-1 inhibitor"],
            codes={},
            id="class:pd1-inhibitor",
            kind="class",
            mention="humanized anti-PD-1 monoclonal antibody",
        )
    ]


def test_seed_js001_is_toripalimab_a_pd1_inhibitor() -> None:
    (agent,) = resolve_intervention("JS001")
    assert (agent.name, agent.id, agent.kind, agent.mention) == (
        "toripalimab",
        "toripalimab",
        "drug",
        "JS001",
    )
    assert agent.classes == ["PD-1 inhibitor"]
    assert agent.codes["atc"] == "L01FF13"
    assert agent.codes["mesh"] == "C000656314"


def test_seed_anti_pd1_plus_albumin_bound_paclitaxel() -> None:
    agents = resolve_intervention("anti-PD-1+Albumin-Bound Paclitaxel")
    assert [(a.id, a.kind) for a in agents] == [
        ("class:pd1-inhibitor", "class"),
        ("nab-paclitaxel", "drug"),
    ]
    assert "paclitaxel" not in {a.id for a in agents}, (
        "albumin-bound paclitaxel is nab-paclitaxel, not paclitaxel"
    )
    nab = agents[1]
    assert nab.name == "nab-paclitaxel"
    assert nab.codes["ncit"] == "C2688"
    assert nab.classes == ["taxane"]
    assert nab.mention == "Albumin-Bound Paclitaxel"


def test_paclitaxel_codes() -> None:
    (agent,) = resolve_intervention("paclitaxel 175 mg/m2")
    assert agent.codes == {
        "ncit": "C1411",
        "chebi": "45863",
        "drugbank": "DB01229",
        "atc": "L01CD01",
        "mesh": "D017239",
    }
    assert agent.mention == "paclitaxel"


def test_nab_paclitaxel_is_a_formulation_of_paclitaxel() -> None:
    nab = drug_by_id("nab-paclitaxel")
    assert nab is not None and nab.formulation_of == "paclitaxel"
    assert drug_by_id("paclitaxel").classes == nab.classes == ("taxane",)  # type: ignore[union-attr]


# ------------------------------------------------------------- code names


CODE_NAMES = {
    "toripalimab": ["JS001", "JS-001", "JS 001", "js001", "Tuoyi", "Loqtorzi"],
    "camrelizumab": ["SHR-1210", "SHR1210", "shr 1210"],
    "sintilimab": ["IBI308", "IBI-308", "Tyvyt"],
    "tislelizumab": ["BGB-A317", "BGB A317", "bgba317"],
    "pembrolizumab": [
        "MK-3475",
        "MK3475",
        "Keytruda",
        "lambrolizumab",
        "KEYTRUDA ®( Pembrolizumab)",
    ],
    "nivolumab": ["BMS-936558", "ONO-4538", "MDX-1106", "Opdivo"],
    "atezolizumab": ["MPDL3280A", "Tecentriq"],
    "durvalumab": ["MEDI4736", "Imfinzi"],
    "ipilimumab": ["MDX-010", "Yervoy"],
    "cadonilimab": ["AK104"],
    "ivonescimab": ["AK112"],
    "nab-paclitaxel": [
        "Abraxane",
        "ABI-007",
        "nab paclitaxel",
        "Paclitaxel-albumin",
        "Albumin paclitaxel",
    ],
    "osimertinib": ["AZD9291", "Tagrisso"],
}


@pytest.mark.parametrize(
    ("expected", "name"),
    [(drug, name) for drug, names in CODE_NAMES.items() for name in names],
    ids=lambda v: str(v),
)
def test_code_and_brand_names(expected: str, name: str) -> None:
    assert ids(name) == [expected]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("anti-PD-1", "pd1-inhibitor"),
        ("anti-PD-1 antibody", "pd1-inhibitor"),
        ("PD-1 antibody", "pd1-inhibitor"),
        ("PD-1 inhibitor", "pd1-inhibitor"),
        ("PD-1 Inhibitors", "pd1-inhibitor"),
        ("PD1 Inhibitor", "pd1-inhibitor"),
        ("PD-1 blockade", "pd1-inhibitor"),
        ("anti-PD-L1 antibody", "pdl1-inhibitor"),
        ("PD-1/PD-L1 inhibitor", "pd1-pdl1-inhibitor"),
        ("anti-CTLA-4", "ctla4-inhibitor"),
        ("Immune checkpoint inhibitors", "immune-checkpoint-inhibitor"),
        ("EGFR-TKI", "egfr-tki"),
        ("taxanes", "taxane"),
        ("Chemotherapy", "cytotoxic-chemotherapy"),
    ],
)
def test_generic_mentions_give_class_agents(name: str, cls: str) -> None:
    agents = resolve_intervention(name)
    assert [(a.id, a.kind) for a in agents] == [("class:" + cls, "class")]
    assert agents[0].classes == [agents[0].name]


# ------------------------------------------------------------- combinations


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Paclitaxel plus Carboplatin", ["paclitaxel", "carboplatin"]),
        ("paclitaxel and carboplatin", ["paclitaxel", "carboplatin"]),
        ("paclitaxel/carboplatin", ["paclitaxel", "carboplatin"]),
        ("Paclitaxel + Carboplatin", ["paclitaxel", "carboplatin"]),
        ("Paclitaxel, carboplatin", ["paclitaxel", "carboplatin"]),
        ("sintilimab combined with anlotinib", ["sintilimab", "anlotinib"]),
        ("Toripalimab in combination with Cisplatin", ["toripalimab", "cisplatin"]),
        (
            "Tislelizumab，atezolizumab or sugemalimab",
            ["tislelizumab", "atezolizumab", "sugemalimab"],
        ),
        ("Naltrexone HCL/ Yohimbine HCL", ["naltrexone", "yohimbine"]),
        ("5-FU/LV", ["fluorouracil", "leucovorin"]),
        (
            "Gemcitabine nab-PaclitaxelLenvatinibTislelizumab",
            ["gemcitabine", "nab-paclitaxel", "lenvatinib", "tislelizumab"],
        ),
        ("mFOLFOX6", ["fluorouracil", "leucovorin", "oxaliplatin"]),
        ("Iparomlimab and Tuvonralimab (QL1706)", ["iparomlimab", "tuvonralimab"]),
        ("decitabine and cedazuridine", ["decitabine-cedazuridine"]),
    ],
)
def test_combinations_give_one_agent_per_drug(name: str, expected: list[str]) -> None:
    assert ids(name) == expected


def test_split_keeps_known_names_whole() -> None:
    assert split_combination("anti-PD-1+Albumin-Bound Paclitaxel") == [
        "anti-PD-1",
        "Albumin-Bound Paclitaxel",
    ]
    assert split_combination("PD-1/PD-L1 inhibitor plus chemotherapy") == [
        "PD-1/PD-L1 inhibitor",
        "chemotherapy",
    ]
    assert split_combination("A plus B and C, D / E") == ["A", "B", "C", "D", "E"]


def test_doses_salts_and_forms_are_ignored() -> None:
    assert ids("Anlotinib Hydrochloride Capsules 12 mg") == ["anlotinib"]
    assert ids("Cisplatin 75mg/m2 injection") == ["cisplatin"]
    assert ids("Neratinib tablets") == ["neratinib"]
    assert strip_dose_and_form("Paclitaxel 175 mg/m2 injection") == "Paclitaxel"


def test_placebo_and_without_parts_name_no_agent() -> None:
    assert ids("saline placebo for pembrolizumab") == []
    assert ids("Ivonescimab Placebo, AK117 Placebo, Albumin-bound Paclitaxel, Gemcitabine") == [
        "nab-paclitaxel",
        "gemcitabine",
    ]
    assert ids("Immune checkpoint inhibitors without angiogenesis inhibitors") == [
        "class:immune-checkpoint-inhibitor"
    ]
    assert "class:cytotoxic-chemotherapy" in ids(
        "QL1706 plus bevacizumab with or without chemotherapy"
    )


def test_class_mention_covered_by_a_named_drug_is_dropped() -> None:
    assert ids("platinum (cisplatin or carboplatin)") == ["cisplatin", "carboplatin"]
    assert ids("Ivonescimab（AK112，a PD-1/VEGF bispecific antibody）") == ["ivonescimab"]
    assert ids("PD-1 inhibitor + chemotherapy") == [
        "class:pd1-inhibitor",
        "class:cytotoxic-chemotherapy",
    ]


def test_short_abbreviations_need_capitals_and_whole_words() -> None:
    assert ids("VEN+AZA") == ["venetoclax", "azacitidine"]
    assert ids("BL-M07D1") == [], "BLM (bleomycin) must not match inside a code"
    assert ids("Hypofractionated External Beam Radiation Therapy") == [], (
        "'Beam' is not the BEAM regimen"
    )


@pytest.mark.parametrize(
    "name",
    ["Placebo", "Standard Therapy", "Immunotherapy", "NK510", "", "   ", "CD123 CAR-T cells"],
)
def test_unknown_names_give_nothing(name: str) -> None:
    assert resolve_intervention(name) == []


def test_other_names_are_used_only_when_the_name_resolves_to_nothing() -> None:
    assert ids("Study drug", ["Icotinib", "Icotinib Hydrochloride Tablets"]) == ["icotinib"]
    assert ids("Anlotinib", ["Gefitinib Tablets"]) == ["anlotinib"]


def test_mesh_terms_add_a_missing_code_and_never_a_silent_agent() -> None:
    (agent,) = resolve_intervention("Sintilimab", (), [{"id": "C000999999", "term": "sintilimab"}])
    assert agent.codes["mesh"] == "C000999999"
    (nab,) = resolve_intervention(
        "nab-paclitaxel", (), [{"id": "D000068196", "term": "Albumin-Bound Paclitaxel"}]
    )
    assert nab.codes["mesh"] == "D000068196"
    # a MeSH chemical spelt out in the name but unknown to the vocabulary: kept, and marked
    agents = resolve_intervention(
        "Tegavivint plus paclitaxel", (), [{"id": "C000999998", "term": "tegavivint"}]
    )
    assert [(a.name, a.id) for a in agents] == [("paclitaxel", "paclitaxel"), ("tegavivint", None)]
    assert agents[1].codes == {"mesh": "C000999998", "source": "mesh"}
    # a MeSH term of another intervention of the record does not become an agent here
    assert resolve_intervention("Placebo", (), [{"id": "D017239", "term": "Paclitaxel"}]) == []


def test_canonical_mesh_id_unpads_registry_ids() -> None:
    assert canonical_mesh_id("D000017239") == "D017239"
    assert canonical_mesh_id("C000656314") == "C000656314"
    assert canonical_mesh_id("D000068258") == "D000068258"


def test_normalisation_folds_case_hyphens_spaces_and_greek() -> None:
    assert normalize("JS-001") == normalize("JS 001") == normalize("js001") == "js001"
    assert normalize("IFN-α2b") == "ifnalpha2b"


def test_mentions_report_the_text_matched() -> None:
    assert [(m.text, m.kind, m.id) for m in find_mentions("Radiotherapy + durvalumab")] == [
        ("durvalumab", "drug", "durvalumab")
    ]


# ---------------------------------------------------------- lookups and IRIs


def test_lexicon_is_loaded_once() -> None:
    assert load_lexicon() is load_lexicon()


def test_iris_and_lookups() -> None:
    assert drug_iri("toripalimab") == DRUG_BASE + "toripalimab"
    assert (
        class_iri("class:pd1-inhibitor")
        == class_iri("pd1-inhibitor")
        == CLASS_BASE + "pd1-inhibitor"
    )
    assert class_by_id("class:pd1-inhibitor").label == "PD-1 inhibitor"  # type: ignore[union-attr]
    assert drug_by_id("no-such-drug") is None


def test_class_closure_walks_every_broader_class() -> None:
    assert class_closure("pd1-inhibitor") == [
        "pd1-inhibitor",
        "immune-checkpoint-inhibitor",
        "pd1-pdl1-inhibitor",
        "antineoplastic-agent",
    ]
    assert "cytotoxic-chemotherapy" in class_closure("class:taxane")
    assert class_closure("no-such-class") == []


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        ("pd1-inhibitor", "immune-checkpoint-inhibitor"),
        ("pdl1-inhibitor", "immune-checkpoint-inhibitor"),
        ("ctla4-inhibitor", "immune-checkpoint-inhibitor"),
        ("lag3-inhibitor", "immune-checkpoint-inhibitor"),
        ("tigit-inhibitor", "immune-checkpoint-inhibitor"),
        ("taxane", "cytotoxic-chemotherapy"),
        ("platinum-compound", "cytotoxic-chemotherapy"),
        ("anthracycline", "cytotoxic-chemotherapy"),
        ("fluoropyrimidine", "antimetabolite"),
        ("antifolate", "antimetabolite"),
        ("nucleoside-analogue", "antimetabolite"),
        ("vegf-inhibitor", "angiogenesis-inhibitor"),
        ("vegfr-tki", "angiogenesis-inhibitor"),
        ("aromatase-inhibitor", "endocrine-therapy"),
        ("somatostatin-analogue", "endocrine-therapy"),
    ],
)
def test_class_hierarchy(cls: str, parent: str) -> None:
    assert parent in class_closure(cls)


# ------------------------------------------------------- vocabulary integrity


@pytest.fixture(scope="module")
def classes_graph() -> Graph:
    return Graph().parse(CLASSES_FILE, format="turtle")


@pytest.fixture(scope="module")
def drugs_graph() -> Graph:
    return Graph().parse(DRUGS_FILE, format="turtle")


def _terms(graph: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef))


def _local(term: URIRef) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_every_term_has_one_english_label_and_definition(
    classes_graph: Graph, drugs_graph: Graph
) -> None:
    problems = []
    for graph, kind, file in (
        (classes_graph, TKG.DrugClass, CLASSES_FILE),
        (drugs_graph, TKG.Drug, DRUGS_FILE),
    ):
        for t in _terms(graph, kind):
            labels = list(graph.objects(t, RDFS.label))
            defs = list(graph.objects(t, SKOS.definition))
            if len(labels) != 1 or not (
                isinstance(labels[0], Literal) and labels[0].language == "en"
            ):
                problems.append(
                    f'{file.name}: {_local(t)} needs exactly one rdfs:label "..."@en (has {len(labels)})'
                )
            if len(defs) != 1 or not (isinstance(defs[0], Literal) and defs[0].language == "en"):
                problems.append(
                    f'{file.name}: {_local(t)} needs exactly one skos:definition "..."@en (has {len(defs)})'
                )
    assert not problems, "\n".join(problems)


def test_drug_labels_are_lower_case_inns(drugs_graph: Graph) -> None:
    bad = [
        f"{_local(t)}: {label!r}"
        for t in _terms(drugs_graph, TKG.Drug)
        for label in drugs_graph.objects(t, RDFS.label)
        if str(label)[:1].isupper() and not re.fullmatch(r"[A-Z0-9-]+", str(label))
    ]
    assert not bad, (
        "drug labels are the INN in lower case (a code name such as 'JS207' only when there is no INN); "
        "move the capitalised form to skos:altLabel: " + ", ".join(bad)
    )


def test_every_drug_has_a_class_that_exists(classes_graph: Graph, drugs_graph: Graph) -> None:
    known = set(_terms(classes_graph, TKG.DrugClass))
    problems = []
    for t in _terms(drugs_graph, TKG.Drug):
        classes = list(drugs_graph.objects(t, TKG.inDrugClass))
        if not classes:
            problems.append(
                f"{_local(t)} has no tkg:inDrugClass: add at least one class from drug_classes.ttl"
            )
        problems += [
            f"{_local(t)} tkg:inDrugClass {_local(c)}, which drug_classes.ttl does not define: "
            "fix the id or add the class"
            for c in classes
            if c not in known
        ]
    assert not problems, "\n".join(problems)


def test_formulations_point_to_drugs(drugs_graph: Graph) -> None:
    drugs = set(_terms(drugs_graph, TKG.Drug))
    bad = [
        f"{_local(s)} -> {o}"
        for s, o in drugs_graph.subject_objects(TKG.formulationOf)
        if o not in drugs or o == s
    ]
    assert not bad, "tkg:formulationOf must point to another drug of drugs.ttl: " + ", ".join(bad)


def test_class_hierarchy_reaches_a_root_without_cycles(classes_graph: Graph) -> None:
    classes = set(_terms(classes_graph, TKG.DrugClass))
    broader = {c: set(classes_graph.objects(c, TKG.broaderDrugClass)) for c in classes}
    dangling = [
        f"{_local(c)} -> {_local(b)}" for c, bs in broader.items() for b in bs if b not in classes
    ]
    assert not dangling, (
        "tkg:broaderDrugClass points to undefined classes (fix the id): " + ", ".join(dangling)
    )

    def cycle_from(start: URIRef) -> list[str] | None:
        path: list[URIRef] = []

        def walk(c: URIRef) -> list[str] | None:
            if c in path:
                return [_local(x) for x in path[path.index(c) :]] + [_local(c)]
            path.append(c)
            for b in sorted(broader[c]):
                found = walk(b)
                if found:
                    return found
            path.pop()
            return None

        return walk(start)

    for c in sorted(classes):
        loop = cycle_from(c)
        assert loop is None, (
            "the class hierarchy has a cycle; remove one tkg:broaderDrugClass: " + " -> ".join(loop)
        )
    roots = {c for c in classes if not broader[c]}
    assert roots, "no root class: at least one class must have no tkg:broaderDrugClass"


def test_no_synonym_names_two_terms() -> None:
    lex = load_lexicon()
    assert not lex.collisions, (
        "these normalised names point to two terms; keep each name on one term only "
        "(or rename a REGIMENS key in kg/text/drugs.py): "
        + "; ".join(f"{k!r}: {a} vs {b}" for k, a, b in lex.collisions)
    )


def test_regimens_name_known_terms() -> None:
    lex = load_lexicon()
    bad = [
        f"{key}: {t}"
        for key, targets in REGIMENS.items()
        for t in targets
        if (
            t.removeprefix("class:") not in lex.classes
            if t.startswith("class:")
            else t not in lex.drugs
        )
    ]
    assert not bad, "REGIMENS in kg/text/drugs.py name unknown drugs or classes: " + ", ".join(bad)
    assert all(normalize(k) == k for k in REGIMENS), (
        "REGIMENS keys must be normalised (see normalize())"
    )


CODE_IRIS = {
    "ncit": (re.compile(r"http://purl\.obolibrary\.org/obo/NCIT_(.+)"), re.compile(r"C\d+")),
    "chebi": (re.compile(r"http://purl\.obolibrary\.org/obo/CHEBI_(.+)"), re.compile(r"\d+")),
    "drugbank": (re.compile(r"https://go\.drugbank\.com/drugs/(.+)"), re.compile(r"DB\d{5}")),
    # a full ATC code (L01FF02) or a group prefix (L, L01, L01F, L01FF)
    "atc": (
        re.compile(r"https://identifiers\.org/atc:(.+)"),
        re.compile(r"[A-Z]\d\d[A-Z]{2}\d\d|[A-Z](\d\d([A-Z][A-Z]?)?)?"),
    ),
    "mesh": (re.compile(r"http://id\.nlm\.nih\.gov/mesh/(.+)"), re.compile(r"[DC]\d{6}(\d{3})?")),
}


@pytest.mark.parametrize("file", [CLASSES_FILE, DRUGS_FILE], ids=lambda p: p.name)
def test_external_codes_match_their_registry_patterns(file: Path) -> None:
    graph = Graph().parse(file, format="turtle")
    problems = []
    for pred in (SKOS.exactMatch, SKOS.closeMatch):
        for s, o in graph.subject_objects(pred):
            iri = str(o)
            for registry, (iri_pat, code_pat) in CODE_IRIS.items():
                m = iri_pat.fullmatch(iri)
                if m:
                    if not code_pat.fullmatch(m.group(1)):
                        problems.append(
                            f"{_local(s)}: {registry} code {m.group(1)!r} does not match {code_pat.pattern}"
                        )
                    break
            else:
                problems.append(
                    f"{_local(s)}: <{iri}> is not an NCIt, ChEBI, DrugBank, ATC (identifiers.org) or MeSH IRI"
                )
    for s, o in graph.subject_objects(TKG.meshId):
        if not CODE_IRIS["mesh"][1].fullmatch(str(o)):
            problems.append(
                f"{_local(s)}: tkg:meshId {o!r} is not a MeSH id ([DC] + 6 or 9 digits)"
            )
        elif not any(
            str(m).endswith("/" + str(o))
            for p in (SKOS.exactMatch, SKOS.closeMatch)
            for m in graph.objects(s, p)
        ):
            problems.append(
                f"{_local(s)}: tkg:meshId {o} has no matching skos:exactMatch/closeMatch MeSH IRI"
            )
    assert not problems, f"{file.name}:\n" + "\n".join(problems)


def test_each_drug_has_at_most_one_exact_code_per_registry(drugs_graph: Graph) -> None:
    problems = []
    for t in _terms(drugs_graph, TKG.Drug):
        seen: dict[str, str] = {}
        for o in drugs_graph.objects(t, SKOS.exactMatch):
            for registry, (iri_pat, _) in CODE_IRIS.items():
                m = iri_pat.fullmatch(str(o))
                if m:
                    if registry in seen:
                        problems.append(
                            f"{_local(t)}: two exact {registry} codes ({seen[registry]}, {m.group(1)})"
                        )
                    seen[registry] = m.group(1)
    assert not problems, (
        "keep one skos:exactMatch per registry, demote others to skos:closeMatch:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("file", [CLASSES_FILE, DRUGS_FILE], ids=lambda p: p.name)
def test_no_exact_code_names_two_terms(file: Path) -> None:
    graph = Graph().parse(file, format="turtle")
    owners: dict[str, list[str]] = {}
    for s, o in graph.subject_objects(SKOS.exactMatch):
        owners.setdefault(str(o), []).append(_local(s))
    shared = {code: terms for code, terms in owners.items() if len(terms) > 1}
    assert not shared, (
        f"{file.name}: one external code is skos:exactMatch of several terms (a mapping error, or "
        f"use skos:closeMatch for a formulation or salt): {shared}"
    )


def test_vocabulary_size() -> None:
    lex = load_lexicon()
    assert len(lex.drugs) >= 150 and len(lex.classes) >= 30


def test_every_pd1_pdl1_ctla4_drug_is_classed() -> None:
    lex = load_lexicon()
    for drug in (
        "nivolumab",
        "pembrolizumab",
        "cemiplimab",
        "dostarlimab",
        "retifanlimab",
        "toripalimab",
        "camrelizumab",
        "sintilimab",
        "tislelizumab",
        "penpulimab",
        "zimberelimab",
        "serplulimab",
        "prolgolimab",
        "spartalizumab",
        "cetrelimab",
        "sasanlimab",
        "pucotenlimab",
        "geptanolimab",
        "balstilimab",
        "finotonlimab",
        "cadonilimab",
        "ivonescimab",
    ):
        assert "pd1-inhibitor" in lex.drugs[drug].classes, drug
    for drug in (
        "atezolizumab",
        "durvalumab",
        "avelumab",
        "envafolimab",
        "sugemalimab",
        "adebrelimab",
        "cosibelimab",
        "socazolimab",
        "benmelstobart",
    ):
        assert "pdl1-inhibitor" in lex.drugs[drug].classes, drug
    for drug in ("ipilimumab", "tremelimumab", "quavonlimab", "cadonilimab"):
        assert "ctla4-inhibitor" in lex.drugs[drug].classes, drug


# ------------------------------------------------------------ evaluation set

PD = frozenset({"pd1-inhibitor", "pdl1-inhibitor", "pd1-pdl1-inhibitor"})


def _pd(drugs: set[str], classes: set[str]) -> set[str]:
    lex = load_lexicon()
    out: set[str] = set()
    for d in drugs:
        for c in lex.drugs[d].classes if d in lex.drugs else ():
            out.update(class_closure(c))
    for c in classes:
        out.update(class_closure(c))
    return out & PD


def _eval_items() -> list[dict]:
    assert EVAL.is_file(), f"{EVAL} is part of the repository and must be present"
    return [
        json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_eval_set_is_well_formed() -> None:
    items = _eval_items()
    assert len(items) >= 300
    lex = load_lexicon()
    bad = [
        f"{it['name']!r}: {x}"
        for it in items
        for x in [
            *(d for d in it["agents"] if d not in lex.drugs),
            *(c for c in it["classes"] if c not in lex.classes),
        ]
    ]
    assert not bad, (
        "labels must use vocabulary ids (put other named agents in 'oov'): " + "; ".join(bad)
    )
    assert len({it["name"] for it in items}) == len(items), "each name once"


def test_eval_precision_and_pd1_pdl1_class_assignment() -> None:
    tp = fp = 0
    pd_fail = []
    for it in _eval_items():
        agents = resolve_intervention(it["name"])
        got_d = {a.id for a in agents if a.kind == "drug" and a.id}
        got_c = {(a.id or "").removeprefix("class:") for a in agents if a.kind == "class"}
        want_d, want_c = set(it["agents"]), set(it["classes"])
        tp += len(got_d & want_d) + len(got_c & want_c)
        fp += len(got_d - want_d) + len(got_c - want_c)
        if _pd(want_d, want_c) != _pd(got_d, got_c):
            pd_fail.append(
                f"{it['name']!r}: want {sorted(_pd(want_d, want_c))} got {sorted(_pd(got_d, got_c))}"
            )
    assert not pd_fail, (
        "PD-1/PD-L1 class assignment must be 100% (python bench/eval_drugs.py):\n"
        + "\n".join(pd_fail)
    )
    precision = tp / (tp + fp)
    assert precision >= 0.95, (
        f"precision {precision:.3f} < 0.95; run python bench/eval_drugs.py for the misses"
    )


# --------------------------------------------------------- hostile input


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_resolver_never_raises_on_any_text(text: str) -> None:
    agents = resolve_intervention(text)
    assert isinstance(agents, list)
    for a in agents:
        assert isinstance(a, Agent) and a.kind in ("drug", "class")


@settings(max_examples=100, deadline=None)
@given(
    st.text(),
    st.lists(st.text(), max_size=4),
    st.lists(
        st.dictionaries(
            st.sampled_from(["id", "term", "x"]), st.one_of(st.text(), st.none(), st.integers())
        ),
        max_size=4,
    ),
)
def test_resolver_never_raises_with_other_names_and_mesh(
    name: str, others: list[str], mesh: list[dict]
) -> None:
    assert isinstance(resolve_intervention(name, others, mesh), list)
