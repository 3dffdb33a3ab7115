"""The metastasis model as a reaction network, for exact simulation and SBML export.

Units: years and cells; parameter names follow the model file (mu, gamma, kappa, f_k, omega_k, ...).
"""
from __future__ import annotations

from ..errors import InputError, ModelError
from ..model.expressions import Expression, parse_expression
from ..model.network import Event, Network, Reaction, Species, check_network
from ..model.spec import Model
from ..model.growth import growth_law
from ..model.params import one_patient, resolve


def network_from_model(model: Model, *, primary: str = "forcing", colonies: bool = True,
                       surgery: bool = True) -> Network:
    """The metastasis model as a reaction network (docs/model.md, "One patient").

    primary="forcing": x(t) is the deterministic closed form, shedding ∅ -> C has the
    time-dependent propensity on*mu*x(t)^gamma (``on`` drops to 0 at surgery);
    primary="species": the primary is a species P whose births follow the growth law
    (exponential r P, logistic r P (1 - P/K), Gompertz r P ln(K/P)) and sheds mu P^gamma.
    Per organ k: arrest C -> D_k (kappa f_k C), dormant loss D_k -> ∅
    ((delta_k + omega_k (1 - eps_k)) D_k), founding D_k -> F_k (+ N_k) (eps_k omega_k D_k);
    F_k counts founded colonies; for birth_death organs with ``colonies`` N_k pools colony cells
    with births b_k N_k and deaths d_k N_k. Surgery at t_dx + delay stops shedding (and removes
    P) and keeps each dormant cell with probability 1 - kill_dormant.
    """
    one_patient(model, "the reaction network")
    m = model
    if resolve(m).endocrine.any():
        raise InputError("the reaction network: endocrine therapy (treatment.endocrine_wake or endocrine_death for "
                         "endocrine_years) is not in it (its rates are constant); solve (method 'semi-analytic' or "
                         "'ode'), incidence and the cohort simulator follow it")
    pars: dict[str, float] = {"mu": m.shedding.mu, "gamma": m.shedding.gamma, "kappa": m.circulation.clearance}
    species: list[Species] = []
    forcings: list[tuple[str, Expression]] = []
    reactions: list[Reaction] = []
    law = growth_law(m.primary.growth)
    pars.update({"x0": m.primary.x0, "r": m.primary.rate})
    if m.primary.K is not None:
        pars["K"] = m.primary.K
    pe = lambda text: parse_expression(text, where=f"network of model '{m.name}'")  # noqa: E731
    if primary == "forcing":
        pars["on"] = 1.0
        forcings.append(("x", pe(law.size_text)))
        reactions.append(Reaction("shedding", (), (("C", 1),), pe("on*mu*x^gamma")))
    elif primary == "species":
        if float(m.primary.x0) != round(m.primary.x0):
            raise ModelError("primary='species' needs a whole-number x0")
        species.append(Species("P", float(m.primary.x0)))
        reactions.append(Reaction("primary_birth", (("P", 1),), (("P", 2),), pe(law.birth_text("P"))))
        reactions.append(Reaction("shedding", (), (("C", 1),), pe("mu*P^gamma")))
    else:
        raise ModelError(f"primary must be 'forcing' or 'species', found '{primary}'")
    species.append(Species("C", 0.0))
    pars["f_lost"] = max(1.0 - sum(o.arrest_fraction for o in m.organs), 0.0)
    reactions.append(Reaction("blood_loss", (("C", 1),), (), pe("kappa*f_lost*C")))
    for o in m.organs:
        k = o.name
        pars.update({f"f_{k}": o.arrest_fraction, f"omega_{k}": o.wake, f"delta_{k}": o.dormant_death,
                     f"eps_{k}": o.efficiency})
        species += [Species(f"D_{k}", 0.0), Species(f"F_{k}", 0.0)]
        reactions.append(Reaction(f"arrest_{k}", (("C", 1),), ((f"D_{k}", 1),), pe(f"kappa*f_{k}*C")))
        reactions.append(Reaction(f"dormant_loss_{k}", ((f"D_{k}", 1),), (),
                                  pe(f"(delta_{k} + omega_{k}*(1 - eps_{k}))*D_{k}")))
        found = ((f"F_{k}", 1),)
        if o.growth == "birth_death" and colonies:
            species.append(Species(f"N_{k}", 0.0))
            found = found + ((f"N_{k}", 1),)
            pars.update({f"b_{k}": o.birth, f"d_{k}": o.death})
            reactions.append(Reaction(f"colony_birth_{k}", ((f"N_{k}", 1),), ((f"N_{k}", 2),), pe(f"b_{k}*N_{k}")))
            reactions.append(Reaction(f"colony_death_{k}", ((f"N_{k}", 1),), (), pe(f"d_{k}*N_{k}")))
        reactions.append(Reaction(f"founding_{k}", ((f"D_{k}", 1),), found, pe(f"eps_{k}*omega_{k}*D_{k}")))
    events = []
    if surgery:
        ts = float(resolve(m).surgery_time()[0])        # the one resolver's diagnosis + delay
        sets = (("on", pe("0")),) if primary == "forcing" else (("P", pe("0")),)
        kill = m.treatment.kill_dormant
        keep = {o.name: (1.0 - kill) * (1.0 - o.kill_dormant) for o in m.organs}     # each organ's own kill too
        survive = tuple((f"D_{n}", pe(repr(v))) for n, v in keep.items()) if any(v < 1 for v in keep.values()) else ()
        events.append(Event("surgery", ts, None, sets, survive))
    net = Network(f"{m.name}_network", tuple(species), tuple(pars.items()), tuple(reactions),
                  tuple(forcings), tuple(events), (), f"reaction network of model '{m.name}'", m.source)
    return check_network(net)
