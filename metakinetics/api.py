"""The public verbs: ``solve``, ``incidence``, ``simulate`` and ``size_for_risk``.

Each takes a model as a :class:`Model`, a bundled name or a path (``simulate`` also a network
or an SBML file), dotted-key ``overrides`` in model units (years), and a ``seed`` (an int, a
``numpy.random.SeedSequence`` or a ``numpy.random.Generator``: same seed, same numbers). Each
returns a result with ``times``, ``columns``, ``values``, ``method`` and ``to_frame()``. The CLI
verbs of the same names call these functions.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .endpoints import BySize, Endpoint, endpoint_from_name
from .errors import InputError, did_you_mean
from .model import Model, list_models, load_model


def _model(model: Model | str | Path, overrides: Mapping[str, Any] | None) -> Model:
    if not isinstance(model, (Model, str, Path)):
        raise InputError(f"model: expected a Model, a bundled model name or a path, found {type(model).__name__}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise InputError(f"overrides: expected a mapping of dotted keys to values, found {type(overrides).__name__}")
    return load_model(model, overrides=overrides)


def solve(model: Model | str, times, *, params: Mapping | None = None, method: str = "auto",
          surgery: bool = True, overrides: Mapping[str, Any] | None = None):
    """Expected compartment contents of one patient (or P parameter sets) over time.

    Parameters
    ----------
    model : Model, bundled name or path
    times : array of years since the primary was x0 cells, strictly increasing
    params : dotted keys -> (P,) arrays of per-set values (model units)
    method : "auto" (closed form where it exists, else semi-analytic), "closed-form",
        "semi-analytic" or "ode" (scipy LSODA with the sympy Jacobian, the reference)
    surgery : remove the primary at diagnosis + surgery delay
    overrides : dotted keys -> values applied to the model first

    Returns
    -------
    dynamics.Trajectory
        x, C (P, T) cells; D, founded (P, T, K); ``values`` (P, T, columns).
    """
    from .dynamics import solve as _solve

    return _solve(_model(model, overrides), times, params, method=str(method), surgery=surgery)


def incidence(model: Model | str, endpoint: str | Endpoint = "any", times=None, *, method: str = "auto",
              individual: bool = False, landmark: float | None = None, horizon: float | None = None,
              patients: int | None = None, seed=None, nodes=None, params: Mapping | None = None,
              overrides: Mapping[str, Any] | None = None, window: float | None = None,
              within: float | None = None, by_class: bool = False, generations: int | None = 2, case_mix=None):
    """Organ-specific incidence of an endpoint, for the population or the typical patient.

    Parameters
    ----------
    model : Model, bundled name or path
    endpoint : "any", "first", "distant", "at_diagnosis", "distant_at_diagnosis", "site_share",
        "by_size", "organs_per_relapse", "multi_organ", "lag", or an :mod:`metakinetics.endpoints`
        object
    times : years after diagnosis (for by_size: diameters at diagnosis in cm; for lag: years
        from the first distant metastasis)
    method : "auto", "closed-form", "numeric" or "monte-carlo" (exact event-level simulation of
        ``patients`` virtual patients, seeded)
    individual : the typical patient instead of the population
    landmark : years: the endpoint among patients free of distant metastasis then
    horizon : by_size: years after diagnosis. 0 counts a metastasis in any organ at
        diagnosis among all patients; > 0 counts a distant metastasis by ``horizon`` among
        patients free of metastasis at diagnosis. lag: the first distant metastasis is detected
        by ``horizon`` years after diagnosis (default 10)
    window : multi_organ: years after the first distant metastasis within which a second organ
        makes the first relapse multi-organ (default 0.25, 3 months)
    within : lag: organ k is detected within ``within`` years of the first metastasis (the
        conditioning that makes the lag a proper distribution; default 10)
    patients, seed : Monte Carlo size and seed (with a deterministic method: Monte Carlo over
        the random effects instead of Gauss-Hermite quadrature)
    nodes : Gauss-Hermite nodes per random effect
    params : dotted keys -> one value each, applied on top of the model (model units)
    overrides : dotted keys -> values applied to the model first (model units)
    by_class : for a model with intrinsic classes, also each class's own result
        (``result.by_class``, a dict by class name); the values are the pooled mixture
    generations : with metastasis-to-metastasis seeding, the generations of colonies followed
        by the formulas and the simulator alike (1: colonies do not shed; 2, the default: the
        primary's colonies shed, their daughters do not, the first-generation formula; None:
        every generation, the formulas iterating to convergence, about 30x slower: see
        :mod:`metakinetics.incidence.generations`)
    case_mix : the cohort the prediction is for: a CaseMix, a case-mix TOML file, or a data set
        that states its cohort (e.g. "rotterdam"); ``result.info["cohort"]`` names it

    Returns
    -------
    population.IncidenceResult
        values (T, organs or 'distant'), standard errors for Monte Carlo.
    """
    from .population import incidence as _incidence

    mod = _model(model, overrides)
    if isinstance(endpoint, Endpoint):
        if landmark is not None or horizon is not None or window is not None or within is not None:
            raise InputError("give the landmark / horizon / window / within inside the endpoint object or as "
                             "arguments, not both")
        ep = endpoint
    elif isinstance(endpoint, str):
        ep = endpoint_from_name(endpoint, landmark=landmark, horizon=horizon, window=window, within=within)
    else:
        raise InputError(f"endpoint: expected a name or an Endpoint, found {type(endpoint).__name__}")
    if times is None:
        raise InputError("times: give the times (years after diagnosis; diameters in cm for by_size)")
    return _incidence(mod, ep, times, individual=individual, method=str(method), nodes=nodes, patients=patients,
                      seed=seed, params=params, by_class=by_class, generations=generations, case_mix=case_mix)


def size_for_risk(model: Model | str, risk: float, *, horizon: float, individual: bool = False,
                  nodes=None, params: Mapping | None = None, overrides: Mapping[str, Any] | None = None,
                  bracket: tuple[float, float] = (0.05, 20.0)) -> float:
    """The diameter at diagnosis (cm) at which the by_size risk equals ``risk``.

    The inverse of ``incidence(model, "by_size", diameters, horizon=horizon)``, found by brentq to
    1e-6 cm: how large may a tumour grow before its risk of a distant metastasis within
    ``horizon`` years reaches ``risk``.

    Parameters
    ----------
    model : Model or str
        A model, or a bundled model name or model file path.
    risk : float
        The target probability, strictly between 0 and 1.
    horizon : float
        Years after diagnosis the risk counts metastases to (0: present at diagnosis).
    individual : bool
        The typical patient instead of the population average.
    nodes : int or mapping, optional
        Quadrature nodes of the population average (see ``incidence``).
    params : mapping, optional
        Dotted parameter keys overridden for the calculation (one parameter set).
    overrides : mapping, optional
        Model keys applied to the model first.
    bracket : tuple of float
        Diameters (cm) searched between; the upper end is capped below the primary's capacity K
        and the lower end kept above its initial size x0.

    Returns
    -------
    float
        The diameter in cm.

    Raises
    ------
    InputError
        When ``risk`` is not reached within ``bracket``, naming the range of risks the bracket
        spans.
    """
    from scipy.optimize import brentq

    from .population import incidence as _incidence

    if not (isinstance(risk, (int, float)) and 0 < risk < 1):
        raise InputError(f"risk must be a probability strictly between 0 and 1, found {risk!r}")
    mod = _model(model, overrides)
    ep = BySize(horizon=float(endpoint_from_name("by_size", horizon=horizon).horizon))
    lo, hi = (float(b) for b in bracket)
    if not (0 < lo < hi):
        raise InputError(f"bracket must be two diameters 0 < low < high (cm), found {bracket}")
    from .units import cells_to_diameter

    if mod.primary.K is not None:                 # a primary with a capacity never grows past it
        hi = min(hi, 0.999 * cells_to_diameter(mod.primary.K))
    lo = max(lo, 1.001 * cells_to_diameter(mod.primary.x0))

    def f(d: float) -> float:
        return float(_incidence(mod, ep, [d], individual=individual, nodes=nodes, params=params).values[0, 0]) - risk

    f_lo, f_hi = f(lo), f(hi)
    if f_lo > 0 or f_hi < 0:
        raise InputError(f"risk {risk:g} is not reached between {lo:g} and {hi:g} cm (risks {f_lo + risk:.4g} "
                         f"to {f_hi + risk:.4g}); widen the bracket")
    return float(brentq(f, lo, hi, xtol=1e-6))


def load_source(source, overrides: Mapping[str, Any] | None = None, *, method: str = "ssa"):
    """What ``simulate`` runs: a Model or Network as is, or loaded by name or path.

    Parameters
    ----------
    source : Model, Network, str or pathlib.Path
        A model or network object; a bundled model or network name; a model or network TOML file
        (told apart by their content); an SBML ``.xml`` / ``.sbml`` file.
    overrides : mapping, optional
        Model keys (for a model) or network parameters (for a network) applied to the source.
    method : str
        The simulation method; "sde" needs a metakinetics model, so an SBML file is refused.

    Returns
    -------
    Model or Network
        The source with ``overrides`` applied.
    """
    from .model.network import Network
    from .model.network_file import is_network_toml, list_networks, load_network

    overrides = dict(overrides or {})
    if isinstance(source, Network):
        return source.with_parameters(overrides) if overrides else source
    if isinstance(source, Model):
        return source.with_values(overrides) if overrides else source
    if not isinstance(source, (str, Path)):
        raise InputError(f"source: expected a model, a network, a name or a path, found {type(source).__name__}")
    text, path = str(source), Path(source)
    if text.endswith((".xml", ".sbml")):
        if method == "sde":
            raise InputError("method 'sde' simulates a metakinetics model's primary, not an SBML network")
        from .interop import read_sbml

        net = read_sbml(text)
        return net.with_parameters(overrides) if overrides else net
    if text.endswith(".toml") and path.is_file():
        try:
            body = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{text}: cannot read: {exc.strerror}") from None
        if is_network_toml(body):
            net = load_network(text)
            return net.with_parameters(overrides) if overrides else net
        return load_model(text, overrides=overrides or None)
    if text in list_models() or "/" in text or text.endswith(".toml"):
        return load_model(text, overrides=overrides or None)
    if text not in list_networks():
        names = list_models() + list_networks()
        raise InputError(f"'{text}' is not a bundled model ({', '.join(list_models())}), a bundled network "
                         f"({', '.join(list_networks())}) or an existing .toml/.xml file" + did_you_mean(text, names))
    net = load_network(text)
    return net.with_parameters(overrides) if overrides else net


def simulate(source, times, *, method: str = "ssa", paths: int = 1000, seed=None, step: float | None = None,
             sigma: float | None = None, scheme: str = "euler", keep_paths: bool = True,
             overrides: Mapping[str, Any] | None = None, progress=None, **network_options):
    """Stochastic trajectories of a model's network (or any network / SBML model).

    Parameters
    ----------
    source : Model, Network, str or pathlib.Path
        A model, a network, a bundled model or network name, a model or network TOML file, or an
        SBML ``.xml`` file (see :func:`load_source`).
    times : array_like
        Years at which the paths are sampled (the time grid).
    method : str
        "ssa" (exact Gillespie), "tau" (tau-leaping), "cle" (chemical Langevin) or "sde" (noisy
        primary growth ``dx = g(x) dt + sigma x dW`` of a model).
    paths : int
        Number of trajectories.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Same seed, same numbers.
    step : float, optional
        Leap / time step (years) for "tau", "cle" and "sde".
    sigma : float, optional
        Noise level (1/sqrt(year)) for "sde".
    scheme : str
        "euler" or "milstein" for "sde".
    keep_paths : bool
        Keep every path (else the mean and SD only).
    overrides : mapping, optional
        Model keys or network parameters applied first.
    progress : callable, optional
        Called with the fraction done (0..1) as the simulation advances.
    **network_options
        Passed to ``network_from_model`` (``primary="forcing"`` or ``"species"``, ``colonies``,
        ``surgery``).

    Returns
    -------
    stochastic.Ensemble
        ``values`` (paths, T, outputs) when kept, the mean and SD across paths.
    """
    from .stochastic import simulate as _simulate

    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 1:
        raise InputError(f"paths must be a whole number >= 1, found {paths!r}")
    src = load_source(source, overrides, method=method)
    if isinstance(times, (str, bytes, dict)):
        raise InputError(f"times: expected numbers, found {type(times).__name__} {times!r}")
    return _simulate(src, times, int(paths), seed, method=method, step=step, sigma=sigma, scheme=scheme,
                     keep_paths=keep_paths, progress=progress, **network_options)
