"""Rows and patients about one nodal class (issue 11 item 1): individual patients split by their
count of positive nodes, each subgroup predicted among the model's patients of its class."""
from __future__ import annotations

import numpy as np
import pytest


def test_individual_patients_split_by_nodal_class(tmp_path):
    # nodal = "nodes": each group split into N0 / N1-3 / N4-9 / N10+ by the patient's count, each
    # predicted among the model's patients of that class; the set-up's groups keep their settings
    from metakinetics.inference.problem import DataSpec, build_problem
    from metakinetics.model import load_model

    model = load_model("breast").with_values({"nodes.ratio": 4.8e-6})
    spec = DataSpec(name="rotterdam", likelihood="time_to_event", where={"hormon": ("no",), "chemo": ("no",)},
                    group_by="size_class", nodal="nodes", groups={"<=20mm": {"diagnosis.diameter_cm": 1.6}})
    prob = build_problem(spec, model, grid_step=0.5)
    assert len(prob.groups) == 12 and prob.splits["<=20mm N4-9"] == ("<=20mm", "N4-9")
    assert prob.base_group("<=20mm N4-9") == "<=20mm"
    assert prob.group_overrides("<=20mm N4-9") == {"diagnosis.diameter_cm": 1.6, "nodes.min": 4.0, "nodes.max": 9.0}
    counts = np.bincount(prob.likelihood.group)
    assert counts.sum() == 2091 and counts[prob.groups.index("<=20mm N0")] == 886


def test_a_node_count_that_is_not_a_count_is_refused_naming_the_row(tmp_path):
    from metakinetics import DataError
    from metakinetics.inference.problem import DataSpec, build_problem
    from metakinetics.model import load_model

    (tmp_path / "p.csv").write_text("id,time,event,nodes\n1,2.0,distant,3\n2,5.0,censored,2.5\n")
    spec = DataSpec(name=str(tmp_path / "p.csv"), likelihood="time_to_event", nodal="nodes")
    with pytest.raises(DataError) as info:
        build_problem(spec, load_model("breast").with_values({"nodes.ratio": 4.8e-6}))
    msg = str(info.value)
    assert "row 3" in msg and "column 'nodes'" in msg and "whole number 0-60" in msg and "\n" not in msg


