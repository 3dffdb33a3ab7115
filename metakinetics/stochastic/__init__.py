"""How the model moves by chance: exact SSA, tau-leaping, chemical Langevin and noisy-growth SDEs.

Every simulator takes a ``numpy.random.Generator`` (or a seed) and simulates all trajectories at
once. The networks it simulates live below this layer, because ``interop`` (SBML) builds them too:
the data and network files in ``metakinetics.model.network`` and ``model.network_file``, the
model's network and the SDE specifications in ``metakinetics.symbolic`` (``model_network``,
``sde_spec``); they are re-exported here. ``cohort`` (the event-level cohort simulator) is
imported lazily: ``from metakinetics.stochastic.cohort import ...``.
"""
from ..model.network import Event, Network, Reaction, Species, Trigger
from ..model.network_file import list_networks, load_network, network_from_toml, network_to_toml
from ..symbolic.model_network import network_from_model
from ..symbolic.sde_spec import SDESpec, sde_from_model
from .approx import cle, tau_leap
from .result import Ensemble
from .sde import SDEResult, simulate_sde
from .simulate import simulate
from .ssa import ssa

__all__ = ["Ensemble", "Event", "Network", "Reaction", "SDEResult", "SDESpec", "Species", "Trigger",
           "cle", "list_networks", "load_network", "network_from_model", "network_from_toml",
           "network_to_toml", "sde_from_model", "simulate", "simulate_sde", "ssa", "tau_leap"]
