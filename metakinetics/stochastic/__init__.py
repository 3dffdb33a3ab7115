"""How the model moves by chance: exact SSA, tau-leaping, chemical Langevin and noisy-growth SDEs.

Every simulator takes a ``numpy.random.Generator`` (or a seed) and simulates all trajectories at
once. The reaction-network view itself (:class:`Network`, network files, the model's network and
the sympy derivations) lives in ``metakinetics.symbolic.reactions``, below this layer, because
``interop`` (SBML) builds networks too. ``cohort`` (the incidence developer's event-level cohort
simulator) is imported lazily: ``from metakinetics.stochastic.cohort import ...``.
"""
from ..symbolic.reactions import (Event, Network, Reaction, SDESpec, Species, Trigger, list_networks,
                                  load_network, network_from_model, network_from_toml, network_to_toml,
                                  sde_from_model)
from .approx import cle, tau_leap
from .result import Ensemble
from .sde import SDEResult, simulate_sde
from .simulate import simulate
from .ssa import ssa

__all__ = ["Ensemble", "Event", "Network", "Reaction", "SDEResult", "SDESpec", "Species", "Trigger",
           "cle", "list_networks", "load_network", "network_from_model", "network_from_toml",
           "network_to_toml", "sde_from_model", "simulate", "simulate_sde", "ssa", "tau_leap"]
