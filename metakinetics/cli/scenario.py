"""``metakinetics scenario MODEL_OR_FIT_DIR --scenario S ...``: what-if comparison of incidence.

Runs the sweep (parameter draws x scenarios) serially, on a local process pool (``--workers``)
or on a Dask cluster (``--scheduler tcp://host:8786``); a tqdm bar on stderr for long runs.
"""
from __future__ import annotations

import sys

from ..endpoints import endpoint_from_name
from ..errors import InputError
from ..model import parse_override
from ..scenarios import EXAMPLES, compare, default_workers, parse_scenario, resolve_source
from .common import (add_class_argument, add_format_argument, add_nodal_argument, nodal_overrides, add_generations_argument, check_out, default_times, emit,
                     format_columns, parse_times)


def register(sub) -> None:
    """Add the ``scenario`` subcommand (compare incidence under what-if scenarios) to ``sub``, the argparse
    subparsers.
    """
    examples = "; ".join(EXAMPLES.values())
    p = sub.add_parser(
        "scenario", help="compare what-if scenarios (surgery delay, adjuvant, organ drug, ...) on incidence",
        description="Incidence under each scenario against the baseline, per organ and time, with "
                    "bands from parameter draws when given a fit. Scenario grammar (docs/scenarios.md): "
                    + examples + "; combine with '+'.")
    p.add_argument("source", metavar="MODEL_OR_FIT_DIR",
                   help="bundled model name, model TOML file, or fit directory (holding result.json)")
    p.add_argument("--group", default=None, metavar="NAME",
                   help="group of a fit with group-specific parameters (e.g. 'triple negative' in "
                        "fits/subtypes): its model and parameters, drawn with --draws; required for such a fit")
    add_class_argument(p)
    add_nodal_argument(p)
    p.add_argument("--case-mix", default=None, metavar="FILE|DATASET",
                   help="the cohort the scenarios are for: a case-mix TOML file, or a data set that states its "
                        "cohort (e.g. rotterdam); the output names it")
    p.add_argument("--scenario", "-s", dest="scenarios", action="append", default=[], metavar="SCENARIO",
                   help="a scenario, e.g. surgery_delay=0.25 or adjuvant:kill_dormant=0.5 (repeatable)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model value before the scenarios (repeatable)")
    p.add_argument("--endpoint", default="any",
                   help="any, first, distant, at_diagnosis, distant_at_diagnosis, site_share, by_size (default any)")
    p.add_argument("--horizon", type=float, default=None, metavar="YEARS",
                   help="by_size only: 0 (default) any organ at diagnosis, all patients; > 0 distant metastasis "
                        "by then among patients free of metastasis at diagnosis")
    p.add_argument("--landmark", type=float, default=None, metavar="YEARS",
                   help="landmark version of the endpoint, from this many years after diagnosis")
    p.add_argument("--times", default=None,
                   help="years after diagnosis (by_size: diameters in cm), start:stop:step or a list "
                        "(default 0:20:1; site_share 1:20:1; by_size 0.5:5:0.5)")
    p.add_argument("--draws", type=int, default=0, metavar="N", help="parameter draws from the fit (bands)")
    p.add_argument("--uncertainty", choices=("covariance", "profile"), default="covariance",
                   help="draws from the fit's covariance (default) or its profile-likelihood intervals")
    p.add_argument("--level", type=float, default=0.95, help="central band probability (default 0.95)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: all CPUs when there are draws, else 1)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (needs metakinetics[dask])")
    p.add_argument("--seed", type=int, default=None, help="seed of the draws and virtual cohorts")
    p.add_argument("--method", default="auto", help="incidence method: auto, closed-form, numeric, monte-carlo")
    p.add_argument("--nodes", type=int, default=None, help="Gauss-Hermite nodes per random effect")
    p.add_argument("--patients", type=int, default=None,
                   help="Monte Carlo virtual patients per task instead of quadrature")
    add_generations_argument(p)
    add_format_argument(p)
    p.add_argument("--out", "-o", default=None, metavar="FILE", help="write the table here (atomically)")
    p.add_argument("--figure", default=None, metavar="FILE.png",
                   help="also draw the comparison figure (png, pdf or svg by extension)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _progress_bar(disable: bool):
    from tqdm import tqdm

    bar = {"obj": None}

    def update(done: int, total: int) -> None:
        if bar["obj"] is None:
            bar["obj"] = tqdm(total=total, unit="chunk", desc="scenario sweep", disable=disable or total < 2,
                              leave=False)
        bar["obj"].update(done - bar["obj"].n)
        if done == total:
            bar["obj"].close()

    return update


def run(args) -> int:
    """Run ``metakinetics scenario`` with the parsed ``args``: compare incidence under what-if scenarios;
    the exit status.
    """
    if not args.scenarios:
        raise InputError("give at least one --scenario, e.g. --scenario surgery_delay=0.25")
    scenarios = [parse_scenario(s) for s in args.scenarios]
    if args.draws < 0:
        raise InputError(f"--draws must be zero or positive, found {args.draws}")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1, found {args.workers}")
    figure_format = None
    if args.figure:
        from ..figures.style import parse_formats

        figure_format = parse_formats(args.figure.rsplit(".", 1)[-1] if "." in args.figure else "?",
                                      what="--figure")[0]
    check_out(args.out)
    if args.figure:
        check_out(args.figure, what="--figure")
    model, fit, _ = resolve_source(args.source, group=args.group)
    if args.klass:
        if fit is not None:
            raise InputError(f"--class {args.klass}: give a model; a fit's own subsets are its groups (--group)")
        model = model.of_class(args.klass)
    result = getattr(fit, "result", None)
    if result is not None and result.status != "converged":   # a warning: the user may still want it
        print(f"metakinetics scenario: warning: the fit '{fit.name}' did NOT converge ({result.message}); "
              "scenarios on its estimates may mislead", file=sys.stderr)
    source = fit if fit is not None else model
    if args.sets or args.nodal_class:   # values the user fixes: the model takes them, a fit no longer draws them
        sets = dict(parse_override(s) for s in args.sets) | nodal_overrides(args)
        source = fit.with_values(sets) if fit is not None else model.with_values(sets)
    endpoint = endpoint_from_name(args.endpoint, landmark=args.landmark, horizon=args.horizon)
    times = parse_times(default_times(args))
    workers = args.workers
    if workers is None and args.scheduler is None:
        workers = default_workers() if args.draws else 1
    options = {"method": args.method, "generations": args.generations}
    options.update({k: v for k, v in (("nodes", args.nodes), ("patients", args.patients)) if v is not None})
    comparison = compare(source, scenarios, endpoint, times, draws=args.draws, uncertainty=args.uncertainty,
                         seed=args.seed, level=args.level, workers=workers, scheduler=args.scheduler,
                         progress=_progress_bar(args.no_progress), case_mix=args.case_mix, **options)
    if args.format == "json":
        text = comparison.to_json()
    elif args.format == "csv":
        text = comparison.to_csv()
    else:
        text = f"# for: {comparison.source}\n"    # every prediction names the model or fit and the cohort
        text += "".join(f"# {s}: {d}\n" for s, d in zip(comparison.scenarios, comparison.descriptions))
        text += format_columns({n: comparison.column(n) for n in comparison.names}, "table")
    emit(text, args.out)
    if args.figure:
        from pathlib import Path

        from ..figures.scenarios import scenario_caption, scenario_figure
        from ..figures.style import save

        path = Path(args.figure)
        save(scenario_figure(comparison), path.parent, path.stem, [figure_format], scenario_caption(comparison))
    return 0
