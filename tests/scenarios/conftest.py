import numpy as np
import pytest

from metakinetics.model import load_model
from metakinetics.scenarios import summary_from_model


@pytest.fixture(scope="session")
def breast():
    return load_model("breast")


@pytest.fixture(scope="session")
def synthetic_fit(breast):
    """A FitResult-like summary: shedding mu and bone efficiency uncertain by 0.3 log units,
    correlated -0.5 (the usual trade-off between shedding and efficiency)."""
    fit = summary_from_model(breast, ["shedding.mu", "organs.bone.efficiency"], [0.3, 0.3], name="synthetic")
    cov = np.array([[0.09, -0.045], [-0.045, 0.09]])
    mu, eff = breast.get("shedding.mu"), breast.get("organs.bone.efficiency")
    return type(fit)(model=fit.model, keys=fit.keys, estimate=fit.estimate, log=fit.log, covariance=cov,
                     upper_bound=fit.upper_bound, name="synthetic",
                     # asymmetric on the log scale around the model's values (as 0.2-0.5 around mu = 0.3
                     # and 1e-5 to 3e-5 around 2e-5 for the prior-value model this was written for)
                     intervals={"shedding.mu": (mu * 2 / 3, mu * 5 / 3),
                                "organs.bone.efficiency": (eff * 0.5, eff * 1.5)})
