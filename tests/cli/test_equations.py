"""``metakinetics equations``: ODEs, SDE, closed forms and the reasons where none exists."""
import pytest

from metakinetics.cli.main import main


def test_text_breast(capsys):
    assert main(["equations", "breast"]) == 0
    out = capsys.readouterr().out
    assert "dC/dt = -C*kappa + mu*x**gamma" in out
    assert "dD_bone/dt" in out and "Ei(" in out          # Gompertz cumulative shedding
    assert "C(t): no closed form" in out                 # and why
    assert "sqrt(C*kappa + mu*x**gamma) dW" in out


def test_latex_exponential(capsys):
    assert main(["equations", "exponential_one_organ", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\frac{dC}{dt}" in out and "no closed form" not in out.split("quasi")[0].split("tau")[0]
    assert r"\leq" in out


def test_bad_model(capsys):
    assert main(["equations", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_colony_seeding_equations_are_printed(capsys):
    """The equations of a seeding model include the colonies' shedding states that solve's ODE
    integrates (dynamics.ode); without seeding, none."""
    assert main(["equations", "breast", "--set", "organs.bone.secondary_shedding=1e3"]) == 0
    out = capsys.readouterr().out
    assert "## ODE (colony seeding)" in out and "dS_bone/dt = gamma' lambda_bone S_bone" in out
    assert "dS_lung" not in out
    assert main(["equations", "breast"]) == 0
    assert "colony seeding" not in capsys.readouterr().out
