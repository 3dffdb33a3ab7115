"""Bad data rows (issue 14 item 6): ``events`` contradicting ``value`` beyond rounding is refused
(half a unit in the last decimal written in value, at least 0.0005); rounded values pass."""
import math

import pytest

from metakinetics import DataError, FitError
from metakinetics.datasets import load_dataset

HEADER = "group,organ,endpoint,time,value,denominator,events\n"


@pytest.mark.parametrize("number,row,ok", [
    ("01_value_0.36_events_900_of_1000", "all,bone,any,1,0.36,1000,900\n", False),
    ("02_value_0.2_events_26_of_100", "all,bone,any,1,0.2,100,26\n", False),
    ("03_value_0.215_events_435_of_2026", "all,bone,any,1,0.215,2026,435\n", True),   # 0.2147
    ("04_value_0.20_events_641_of_3173", "all,bone,any,1,0.20,3173,641\n", True),     # 0.2020
    ("05_value_0.2147_events_440_of_2026", "all,bone,any,1,0.2147,2026,440\n", False),  # 0.2172
])
def test_events_must_agree_with_value(tmp_path, number, row, ok):
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + row)
    if ok:
        assert len(load_dataset(str(path))) == 1
        return
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    msg = str(info.value)
    assert str(path) in msg and "row 2" in msg and "column 'events'" in msg and "contradicts value" in msg
    assert "rounding" in msg and "\n" not in msg


def test_every_bundled_data_set_still_loads():
    from metakinetics.datasets import list_datasets

    for name in list_datasets():
        load_dataset(name)


# Clinician endpoints (issue 10 item 4): value ranges per endpoint, options only on their endpoint.
CLIN_HEADER = "group,organ,endpoint,time,value,se,denominator,events,lower,upper,landmark,window,horizon,within\n"


@pytest.mark.parametrize("number,row,column,reason", [
    ("06_organs_per_relapse_below_1", "all,distant,organs_per_relapse,5,0.8,0.1,,,,,,,,\n", "value",
     "mean number of organs per relapsed patient (>= 1)"),
    ("07_organs_per_relapse_with_events", "all,distant,organs_per_relapse,5,1.5,0.1,100,150,,,,,,\n", "events",
     "events do not apply"),
    ("08_organs_per_relapse_on_an_organ", "all,bone,organs_per_relapse,5,1.5,0.1,,,,,,,,\n", "organ",
     "needs organ 'distant'"),
    ("09_multi_organ_above_1", "all,distant,multi_organ,5,1.2,0.1,,,,,,,,\n", "value", "proportion in [0, 1]"),
    ("10_multi_organ_window_zero", "all,distant,multi_organ,5,0.2,0.1,,,,,,0,,\n", "window",
     "positive number of years"),
    ("11_window_on_a_lag_row", "all,brain,lag,1,0.2,0.1,,,,,,0.5,,\n", "window", "multi_organ rows only"),
    ("12_horizon_on_multi_organ", "all,distant,multi_organ,5,0.2,0.1,,,,,,,10,\n", "horizon", "lag rows only"),
    ("13_lag_within_negative", "all,brain,lag,1,0.2,0.1,,,,,,,,-2\n", "within", "positive number of years"),
    ("14_lag_beyond_within", "all,brain,lag,6,0.2,0.1,,,,,,,,5\n", "time", "at most within = 5"),
    ("15_lag_on_distant", "all,distant,lag,1,0.2,0.1,,,,,,,,\n", "organ", "organ 'distant' goes with"),
    ("16_lag_landmark_after_horizon", "all,brain,lag,1,0.2,0.1,,,,,12,,10,\n", "landmark", "[0, horizon)"),
    ("17_multi_organ_at_time_0", "all,distant,multi_organ,0,0.2,0.1,,,,,,,,\n", "time", "undefined at time 0"),
    ("18_lag_decreasing", "all,brain,lag,1,0.4,0.1,,,,,,,,\nall,brain,lag,2,0.3,0.1,,,,,,,,\n", "value",
     "lag distribution decreases"),
])
def test_clinician_endpoint_rows_are_checked(tmp_path, number, row, column, reason):
    path = tmp_path / f"{number}.csv"
    path.write_text(CLIN_HEADER + row)
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    msg = str(info.value)
    assert str(path) in msg and "row " in msg and f"column '{column}'" in msg and reason in msg, msg
    assert "\n" not in msg


def test_clinician_endpoint_rows_load_with_their_options(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(CLIN_HEADER + "all,distant,organs_per_relapse,5,1.6,0.1,120,,,,,,,\n"
                    "all,distant,multi_organ,5,0.2,,,,0.1,0.3,,,,\n"
                    "all,distant,multi_organ,5,0.3,0.1,,,,,,0.5,,\n"
                    "all,brain,lag,0.5,0.2,0.1,,,,,,,8,3\n"
                    "all,brain,lag,2,0.6,0.1,,,,,,,8,3\n")
    data = load_dataset(str(path))
    assert len(data) == 5
    assert data.window[2] == 0.5 and math.isnan(data.window[1])
    assert data.horizon[3] == 8 and data.within[4] == 3


# Nodal classes (issue 11 item 1): a row's ``nodes`` must be a defined class; a class the model
# cannot have (node-positive rows fitted with a model without nodal spread) is refused at the fit.
NODES_HEADER = "group,organ,endpoint,time,value,se,landmark,nodes\n"


@pytest.mark.parametrize("number,cell", [
    ("19_nodal_class_undefined", "N2-5"),
    ("20_nodal_class_negative", "-1"),
    ("21_nodal_count_above_60", "61"),
])
def test_nodal_class_must_be_defined(tmp_path, number, cell):
    path = tmp_path / f"{number}.csv"
    path.write_text(NODES_HEADER + f"all,distant,distant,10,0.2,0.02,,{cell}\n")
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    msg = str(info.value)
    assert str(path) in msg and "row 2" in msg and "column 'nodes'" in msg and "is not defined" in msg, msg
    assert "N0, N1-3, N4-9, N10+, N+" in msg and "\n" not in msg


def test_nodal_class_spellings_load_as_one_name(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(NODES_HEADER + "a,distant,distant,10,0.2,0.02,,0\nb,distant,distant,10,0.2,0.02,,pN1\n"
                    "c,distant,distant,10,0.2,0.02,,>=10\nd,distant,distant,10,0.2,0.02,,\n"
                    "e,distant,distant,10,0.2,0.02,,7\n")
    assert load_dataset(str(path)).nodes.tolist() == ["N0", "N1-3", "N10+", "", "7"]


def test_node_positive_rows_need_a_model_with_nodal_spread(tmp_path):
    from metakinetics.inference.problem import parse_setup
    from metakinetics.inference import fit as run_fit

    setup = parse_setup('[fit]\nname = "n"\nmax_nfev = 2\nnodes = 4\n[model]\nname = "breast"\n'
                        '[[data]]\nname = "pan2017"\nlikelihood = "least_squares"\nsigma = 0.02\n'
                        'select = { group = ["ER+ N1-3"] }\n[parameters."shedding.mu"]\nmin = 0.01\nmax = 1.0\n'
                        'log = true\n')
    with pytest.raises(FitError) as info:
        run_fit(setup)
    msg = str(info.value)
    assert "nodes.min" in msg and "nodes.ratio is 0" in msg and "\n" not in msg, msg


@pytest.mark.parametrize("number,row,column,reason", [
    ("22_nodal_share_on_an_organ", "all,bone,nodal_share,0,0.5,,,N0\n", "organ", "organ 'nodes' goes with"),
    ("23_nodes_organ_with_any", "all,nodes,any,5,0.5,,,N0\n", "organ", "organ 'nodes' goes with"),
    ("24_nodal_share_without_class", "all,nodes,nodal_share,0,0.5,,,\n", "nodes", "needs the nodal class"),
    ("25_nodal_share_at_5_years", "all,nodes,nodal_share,5,0.5,,,N0\n", "time", "no time axis"),
])
def test_nodal_share_rows_are_checked(tmp_path, number, row, column, reason):
    path = tmp_path / f"{number}.csv"
    path.write_text("group,organ,endpoint,time,value,denominator,events,nodes\n" + row)
    with pytest.raises(DataError) as info:
        load_dataset(str(path))
    msg = str(info.value)
    assert str(path) in msg and "row 2" in msg and f"column '{column}'" in msg and reason in msg, msg
    assert "\n" not in msg
