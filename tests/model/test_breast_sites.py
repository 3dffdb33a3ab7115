"""models/breast_sites.toml is models/breast.toml plus two organs for the other distant sites of
hess2013 (distant lymph nodes, pleura): every value of the default model unchanged, the new organs
named as the data name them."""
from metakinetics import list_models, load_dataset, load_model


def test_breast_sites_is_breast_plus_two_organs():
    six, four = load_model("breast_sites"), load_model("breast")
    assert "breast_sites" in list_models()
    assert six.organ_names == four.organ_names + ("distant_nodes", "pleura")
    v6, v4 = six.values(), four.values()
    assert {k: v6[k] for k in v4} == v4          # the default fit's values, every one
    new = {k for k in v6 if k not in v4}
    assert new and all(k.startswith(("organs.distant_nodes.", "organs.pleura.")) for k in new)
    assert 0 < sum(o.arrest_fraction for o in six.organs) <= 1
    # wake and colony growth as the default fit shares them across organs
    assert {six.get(f"organs.{o}.wake") for o in six.organ_names} == {four.get("organs.bone.wake")}
    assert {six.get(f"organs.{o}.rate") for o in six.organ_names} == {four.get("organs.bone.rate")}


def test_the_new_organs_are_the_sites_hess2013_declares():
    assert load_dataset("hess2013").info.organs == load_model("breast_sites").organ_names[4:]
