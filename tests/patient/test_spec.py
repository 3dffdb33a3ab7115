"""A patient's covariates: impossible values refused in one line naming the covariate, and what each
observed covariate sets in a model (or why the model cannot use it)."""
import pytest

import metakinetics as mk
from metakinetics.errors import InputError
from metakinetics.patient.spec import Patient, covariate_values, endocrine_years, subtype_classes


@pytest.mark.parametrize("kwargs, words", [
    ({"diameter_cm": -1.0}, "diameter_cm must be in (0, 25] cm, found -1"),
    ({"diameter_cm": 0.0}, "diameter_cm"),
    ({"diameter_cm": float("nan")}, "diameter_cm must be a number"),
    ({"diameter_cm": 40.0}, "found 40"),
    ({"nodes": 61}, "nodes must be a count 0-60"),
    ({"nodes": -2}, "nodes must be a count 0-60"),
    ({"nodes": 2.5}, "whole count"),
    ({"nodes": "N5"}, "nodal class 'N5' is not defined"),
    ({"treatment": "chemo"}, "unknown treatment 'chemo'"),
    ({"treatment": "endocrine:40"}, "endocrine years must be in (0, 15]"),
    ({"subtype": ""}, "subtype must be a class name"),
])
def test_impossible_covariates_are_refused_naming_them(kwargs, words):
    with pytest.raises(InputError) as err:
        Patient(**kwargs, id="p7")
    msg = str(err.value)
    assert words in msg and "p7" in msg and "\n" not in msg


def test_an_unknown_subtype_is_refused_against_the_models_classes():
    m = mk.load_model("breast_cohorts")
    with pytest.raises(InputError, match="unknown subtype 'luminal_c'.*did you mean 'luminal_"):
        covariate_values(m, Patient(subtype="luminal_c"))
    # a model without classes still knows the bundled subtype names, so a typo is not silently "unused"
    with pytest.raises(InputError, match="unknown subtype 'basal'"):
        covariate_values(mk.load_model("breast"), Patient(subtype="basal"))


def test_receptor_status_and_sets_of_classes():
    m = mk.load_model("breast_cohorts")
    assert subtype_classes(m, "HR+") == ("luminal_a", "luminal_b")
    assert subtype_classes(m, "luminal_b+her2_enriched") == ("luminal_b", "her2_enriched")
    values, unused = covariate_values(m, Patient(subtype="HR+"))
    a, b = m.get("classes.luminal_a.prevalence"), m.get("classes.luminal_b.prevalence")
    assert values["classes.luminal_a.prevalence"] == pytest.approx(a / (a + b))
    assert values["classes.her2_enriched.prevalence"] == 0.0 and unused == {}


def test_the_values_a_patient_sets():
    m = mk.load_model("breast_cohorts")
    values, unused = covariate_values(m, Patient(2.1, 2, "luminal_b", "endocrine"))
    assert values["diagnosis.diameter_cm"] == 2.1 and values["population.diameter_sd"] == 0.0
    assert (values["nodes.min"], values["nodes.max"]) == (2.0, 2.0)
    assert values["classes.luminal_b.prevalence"] == 1.0 and values["classes.luminal_a.prevalence"] == 0.0
    assert values["treatment.endocrine_years"] == 5.0 and unused == {}
    assert covariate_values(m, Patient(nodes="N10+"))[0]["nodes.max"] == 60.0
    assert covariate_values(m, Patient()) == ({}, {})


def test_covariates_the_default_fits_model_cannot_use_are_named():
    values, unused = covariate_values(mk.load_model("breast"), Patient(2.1, 2, "luminal_b", "endocrine:10"))
    assert set(unused) == {"nodes", "subtype"}
    assert "no nodal readout" in unused["nodes"] and "no intrinsic classes" in unused["subtype"]
    assert values == {"diagnosis.diameter_cm": 2.1, "population.diameter_sd": 0.0, "treatment.endocrine_years": 10.0}


def test_endocrine_years():
    assert endocrine_years("endocrine") == 5.0
    assert endocrine_years("Endocrine:7.5") == 7.5
    assert endocrine_years("none") == 0.0


def test_describe():
    assert Patient(2.1, 2, "luminal_b", "endocrine").describe() == "2.1 cm, 2 nodes, luminal_b, endocrine 5 years"
    assert Patient().describe() == "no covariates"
