"""Every figure of the set rendered (Agg) for the default fit and checked: files exist, are not
trivially small, carry the expected axis labels (with units) and a caption naming the source."""
from pathlib import Path

import numpy as np
import pytest

from metakinetics.errors import InputError
from metakinetics.figures.figure_set import FIGURES, render_figure_set
from metakinetics.figures.organotropism import organotropism_shares
from metakinetics.figures.style import parse_formats
from metakinetics.model import load_model

FIT = Path(__file__).resolve().parents[2] / "fits" / "breast"

EXPECTED_LABELS = {
    "fit": ["proportion of patients"],
    "incidence": ["time since diagnosis (years)", "cumulative incidence (fraction)"],
    "trajectories": ["time since diagnosis (years)", "primary tumour x (cells)",
                     "circulating tumour cells C (cells)", "dormant cells D$_k$ (cells)",
                     "colonies founded (expected number)"],
    "fan": ["time since the first cancer cell (years)", "primary tumour x (cells)",
            "diagnosed by t (fraction of paths)"],
    "organotropism": ["organ", "share of colonies founded (fraction)", "enrichment over blood flow (ratio)"],
    "corner": ["log10 bone.efficiency", "mu_sd"],
    "scenarios": ["time since diagnosis (years)", "incidence (fraction of M0 patients)"],
    "lag": ["months from the first distant metastasis to brain", "share of patients with brain (CDF)"],
    "seeding": ["years from first detected metastasis to brain", "density (relapsed patients with brain)"],
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if not (FIT / "result.json").is_file():
        pytest.skip("fits/breast/result.json not present")
    out = tmp_path_factory.mktemp("figs")
    # few draws and paths: the test checks the drawing, not the statistics
    figs = render_figure_set(str(FIT), out, ("png",), seed=1, draws=3, paths=60)
    return out, {f.name: f for f in figs}


def test_every_figure_is_drawn(rendered):
    _, figs = rendered
    assert tuple(figs) == FIGURES


@pytest.mark.parametrize("name", FIGURES)
def test_figure_file_labels_and_caption(rendered, name):
    out, figs = rendered
    fig = figs[name]
    png = out / f"{name}.png"
    assert png.is_file() and png.stat().st_size > 20_000  # a blank 7x5 inch PNG is ~10 kB
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for label in EXPECTED_LABELS[name]:
        assert label in fig.labels, (name, fig.labels)
    caption = (out / f"{name}.txt").read_text()
    assert "fit breast" in caption and "metakinetics" in caption


def test_model_only_set_skips_fit_figures_and_writes_formats(tmp_path):
    figs = render_figure_set("breast", tmp_path, ("svg", "pdf"), only=["organotropism", "fit"])
    assert [f.name for f in figs] == ["organotropism"]
    assert (tmp_path / "organotropism.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "organotropism.pdf").read_bytes()[:5] == b"%PDF-"
    assert "model breast" in (tmp_path / "organotropism.txt").read_text()


def test_bad_requests():
    with pytest.raises(InputError, match="unknown figure"):
        render_figure_set("breast", "/nonexistent", only=["pie"])
    with pytest.raises(InputError, match="gif"):
        parse_formats("png,gif")


def test_organotropism_shares_follow_blood_flow_when_the_soil_is_uniform():
    """Arrest proportional to blood flow and identical dormancy and efficiency everywhere: the
    colonisation shares equal the blood-flow shares (ratio 1 up to rounding)."""
    m = load_model("breast")
    vals = {}
    for o in m.organs:
        vals[f"organs.{o.name}.arrest_fraction"] = 0.2 * o.blood_flow
        vals[f"organs.{o.name}.efficiency"] = 1e-5
        vals[f"organs.{o.name}.wake"] = 0.2
        vals[f"organs.{o.name}.dormant_death"] = 0.1
    names, flow, col = organotropism_shares(m.with_values(vals))
    np.testing.assert_allclose(col, flow, rtol=1e-12)
    names, flow, col = organotropism_shares(m)
    assert col.sum() == pytest.approx(1.0, rel=1e-12) and col[names.index("bone")] > flow[names.index("bone")]


SUBTYPES = FIT.parent / "subtypes"


def test_grouped_fit_figures_need_a_group_except_the_data_vs_fit_figure(tmp_path):
    """A fit with group-specific parameters: every figure but 'fit' is of one group's model and
    parameters (--group); without a group a FitError lists the groups."""
    from metakinetics.errors import FitError

    if not (SUBTYPES / "result.json").is_file():
        pytest.skip("fits/subtypes/result.json not present")
    with pytest.raises(FitError, match="choose a group.*triple negative"):
        render_figure_set(str(SUBTYPES), tmp_path, only=["corner"])
    figs = render_figure_set(str(SUBTYPES), tmp_path, group="triple negative", only=["corner", "organotropism"])
    corner = next(f for f in figs if f.name == "corner")
    assert "log10 all wake[triple negative]" in corner.labels
    assert "fit subtypes [triple negative]" in corner.caption


def test_class_figure_renders_for_a_model_with_classes(tmp_path):
    figs = render_figure_set(load_model("breast_subtypes"), tmp_path, ("png",), only=["classes"])
    (fig,) = figs
    assert fig.name == "classes"
    png = [p for p in fig.paths if p.suffix == ".png"][0]
    assert png.stat().st_size > 20_000
    assert "intrinsic class" in fig.caption and "mixture" in fig.caption
    assert fig.labels == ("cumulative incidence (fraction)", "time since diagnosis (years)")


def test_class_figure_needs_classes(tmp_path):
    with pytest.raises(InputError, match="needs a model with intrinsic classes"):
        render_figure_set(load_model("breast"), tmp_path, ("png",), only=["classes"])


def test_one_patient_figures_of_a_class_or_seeding_model_say_which_patient(tmp_path):
    """trajectories, fan and organotropism follow one typical patient: for a model with classes
    the most prevalent class (Model.of_class), said in the caption (solve refuses the mixture); a
    seeding model's trajectories are its mean dynamics with every generation (solve's ODE)."""
    figs = render_figure_set(load_model("breast_subtypes"), tmp_path / "c", ("png",),
                             only=["trajectories", "fan", "organotropism"], paths=20)
    assert [f.name for f in figs] == ["trajectories", "fan", "organotropism"]
    assert all("Class luminal_a, the most prevalent" in f.caption for f in figs)
    seeding = load_model("breast").with_values({"organs.bone.secondary_shedding": 1e3})
    (fig,) = render_figure_set(seeding, tmp_path / "s", ("png",), only=["trajectories"])
    assert "Class" not in fig.caption
