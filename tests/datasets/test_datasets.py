"""Bundled data sets load and validate; bad files give DataErrors naming file, row and column;
the bundled numbers reproduce their published sources; Aalen-Johansen from the Rotterdam rows
reproduces the bundled summary curves computed from the same patients."""
from __future__ import annotations

import numpy as np
import pytest

from metakinetics.datasets import list_datasets, load_dataset
from metakinetics.cumulative_incidence import aalen_johansen, kaplan_meier
from metakinetics.errors import DataError

HEADER = "group,organ,endpoint,time,value,denominator\n"


def test_every_bundled_dataset_loads_with_citation_and_checksum():
    names = list_datasets()
    for required in ("hess2013", "pan2017", "xiao2018", "wu2017", "gong2018", "dawood2012", "turkey2016",
                     "ctc_positivity", "seer_size_szczurek2020", "rotterdam", "rotterdam_summary", "gse2034_summary",
                     "gse2034",
                     "arvold2012", "metzgerfilho2013", "colleoni2016"):
        assert required in names
    for n in names:
        d = load_dataset(n)
        assert d.info.citation and d.info.cohort and d.info.status and len(d.info.sha256) == 64
        assert len(d) > 0


def test_published_numbers_are_the_sources():
    # Values copied from the abstracts (hess2013: 20/30/36% distant at 4/8/12 y; bone 23% at 12 y).
    h = load_dataset("hess2013")
    dist = h.select(h.organ == "distant")
    assert dist.time.tolist() == [4, 8, 12] and dist.value.tolist() == [0.20, 0.30, 0.36]
    assert h.value[(h.organ == "bone")].item() == 0.23
    assert set(h.denominator) == {11011}
    p = load_dataset("pan2017")
    t1n0 = p.select(p.group == "ER+ T1N0")
    assert t1n0.value.item() == 0.13 and t1n0.landmark.item() == 5 and t1n0.time.item() == 20
    s = load_dataset("seer_size_szczurek2020")
    nst2 = s.select((s.group == "NST") & (s.diameter_cm == 2.0))
    assert nst2.value.item() == 0.01019 and nst2.denominator.item() == 6182
    r = load_dataset("rotterdam")
    assert len(r) == 2982 and (r.event == "distant").sum() == 1281 and (r.event == "death").sum() == 173
    assert "GPL" in r.info.licence


def test_hess2013_holds_all_six_sites_of_its_abstract():
    # 12-year site-specific incidence (abstract): bone 23, liver 16, lung 14, distant lymph node 13,
    # brain 10, pleura 8%; the two sites beyond the four standard organs are declared by the file
    h = load_dataset("hess2013")
    organ = h.select(h.endpoint == "any")
    assert dict(zip(organ.organ.tolist(), organ.value.tolist())) == {
        "bone": 0.23, "liver": 0.16, "lung": 0.14, "brain": 0.10, "distant_nodes": 0.13, "pleura": 0.08}
    assert set(organ.time) == {12} and set(organ.denominator) == {11011} and set(organ.status) == {"exact"}
    assert h.info.organs == ("distant_nodes", "pleura")
    assert all("PMC3544467" in n for n in h.select(np.isin(h.organ, h.info.organs)).note)


def _write(tmp_path, text, name="mine.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("body, column, row, words", [
    ("all,kidney,any,1,0.1,100\n", "organ", 2, "unknown organ 'kidney'"),
    ("all,bone,anny,1,0.1,100\n", "endpoint", 2, "did you mean 'any'"),
    ("all,bone,any,1,1.2,100\n", "value", 2, "proportion"),
    ("all,bone,any,-1,0.1,100\n", "time", 2, "zero or positive"),
    ("all,bone,any,1,0.1,-5\n", "denominator", 2, "positive"),
    ("all,bone,any,1,0.2,100\nall,bone,any,2,0.1,100\n", "value", 3, "decreases"),
    ("all,bone,any,1,0.2,100\nall,bone,any,1,0.3,100\n", "time", 3, "duplicate time"),
    ("all,bone,any,1,abc,100\n", "value", 2, "expected a number"),
    ("all,bone,by_size,0,0.1,100\n", "diameter_cm", 2, "diameter_cm"),
])
def test_bad_aggregate_rows_name_file_row_column(tmp_path, body, column, row, words):
    p = _write(tmp_path, HEADER + body)
    with pytest.raises(DataError) as ei:
        load_dataset(str(p))
    e = ei.value
    assert e.column == column and e.row == row and words in str(e)
    assert str(p) in str(e)


def test_missing_column_and_individual_errors(tmp_path):
    with pytest.raises(DataError, match="missing column") as ei:
        load_dataset(str(_write(tmp_path, "group,organ,endpoint,time\nall,bone,any,1\n")))
    assert ei.value.column == "value"
    ind = "id,time,event,diameter_cm\n1,2.5,bone,2.0\n2,3.0,censored,1.5\n3,1.0,pancreas,2.0\n"
    with pytest.raises(DataError, match="unknown event 'pancreas'") as ei:
        load_dataset(str(_write(tmp_path, ind, "ipd.csv")))
    assert ei.value.row == 4 and ei.value.column == "event"
    dup = "id,time,event\n1,2.5,bone\n1,3.0,censored\n"
    with pytest.raises(DataError, match="duplicate patient id"):
        load_dataset(str(_write(tmp_path, dup, "dup.csv")))


def test_user_file_with_metadata_and_declared_organ(tmp_path):
    _write(tmp_path, "[dataset]\nname = \"mine\"\ncitation = \"me 2026\"\norgans = [\"kidney\"]\n", "mine.toml")
    d = load_dataset(str(_write(tmp_path, HEADER + "all,kidney,any,1,0.1,100\nall,kidney,any,3,0.2,100\n")))
    assert d.info.name == "mine" and d.info.citation == "me 2026" and d.organ.tolist() == ["kidney", "kidney"]
    assert np.isnan(d.sigma()).all()  # no se and no limits: the fit set-up must state sigma


def test_aalen_johansen_reproduces_the_bundled_rotterdam_curves():
    # rotterdam_summary was computed (by the data curator, independently of this code) from the
    # same rows and rounded to 4 decimals: agreement within 1e-4 is agreement up to that rounding.
    rows = load_dataset("rotterdam")
    summ = load_dataset("rotterdam_summary")
    ev = np.where(rows.event == "distant", 1, np.where(rows.event == "death", 2, 0))
    size = rows.covariate("size_class")
    nodes = rows.covariate("nodes").astype(int)
    untreated = (rows.covariate("hormon") == "no") & (rows.covariate("chemo") == "no")
    checked = 0
    for group in summ.groups():
        parts = dict(kv.split("=", 1) for kv in group.split(";"))
        m = np.ones(len(rows), dtype=bool)
        if parts["size"] != "all":
            m &= size == parts["size"]
        if parts["nodes"] == "0":
            m &= nodes == 0
        elif parts["nodes"] == ">=1":
            m &= nodes >= 1
        if parts["adjuvant"] == "none":
            m &= untreated
        sel = summ.group == group
        aj = aalen_johansen(rows.time[m], ev[m], at=summ.time[sel])
        km = kaplan_meier(rows.time[m], ev[m], at=summ.time[sel])
        np.testing.assert_allclose(aj, summ.value[sel], atol=1e-4)
        np.testing.assert_allclose(km, summ.extra["value_1minusKM"][sel].astype(float), atol=1e-4)
        checked += 1
    assert checked == len(summ.groups()) == 16


def test_aalen_johansen_equals_km_without_competing_events():
    rng = np.random.default_rng(1)
    t = rng.exponential(5, 500)
    ev = rng.integers(0, 2, 500)
    at = np.array([1.0, 3.0, 8.0])
    np.testing.assert_allclose(aalen_johansen(t, ev, at=at), kaplan_meier(t, ev, at=at), rtol=1e-12)


def test_rotterdam_nodes_are_the_counts_of_the_bundled_patients():
    # rotterdam_nodes is derived from the rotterdam rows: every count, denominator and (rounded)
    # share is recounted here from size_class and the number of positive nodes
    from metakinetics.nodal_classes import OPEN, nodal_class

    rows = load_dataset("rotterdam")
    shares = load_dataset("rotterdam_nodes")
    size = rows.covariate("size_class")
    nodes = rows.covariate("nodes").astype(int)
    for i in range(len(shares)):
        lo, hi = nodal_class(shares.nodes[i])
        mine = size == shares.group[i]
        hit = mine & (nodes >= lo) & ((nodes <= hi) | (hi >= OPEN))
        assert shares.denominator[i] == mine.sum() and shares.events[i] == hit.sum()
        assert abs(shares.value[i] - hit.sum() / mine.sum()) <= 5e-5
    for g in shares.groups():                      # the four classes partition each size class
        assert shares.events[shares.group == g].sum() == shares.denominator[shares.group == g][0]


def test_every_bundled_data_set_states_what_its_patients_received():
    # issue 11 item 2: treatment is a property of the cohort; the rotterdam counts are recounted
    for name in list_datasets():
        assert load_dataset(name).info.treatment, name
    rows = load_dataset("rotterdam")
    hormon, chemo = rows.covariate("hormon") == "yes", rows.covariate("chemo") == "yes"
    assert (hormon.sum(), chemo.sum(), (hormon & chemo).sum()) == (339, 580, 28)
    assert not (hormon | chemo)[rows.covariate("nodes") == "0"].any()
    assert "339 of 2,982" in load_dataset("rotterdam").info.treatment


def test_gse2034_rows_are_wang2005s_patients_and_reproduce_the_summary():
    # Wang 2005 (Lancet 365:671): 286 node-negative untreated patients, 107 distant relapses, ER+ 209 /
    # ER- 77; the bundled gse2034_summary (1 - Kaplan-Meier by ER group, 4 decimals, computed by the
    # data curator from the same GEO table) is reproduced from the rows to its rounding
    rows = load_dataset("gse2034")
    summ = load_dataset("gse2034_summary")
    er, brain = rows.covariate("er"), rows.covariate("brain")
    distant = rows.event == "distant"
    assert len(rows) == 286 and distant.sum() == 107 and set(rows.event) == {"distant", "censored"}
    assert ((er == "ER+").sum(), (er == "ER-").sum()) == (209, 77)
    assert (distant & (er == "ER+")).sum() == 80 and (brain == "yes").sum() == 10
    assert not (brain == "yes")[~distant].any() and set(rows.covariate("nodes")) == {"0"}
    assert rows.time[distant].max() == pytest.approx(80 / 12)          # no relapse after 80 months
    ev = distant.astype(int)
    for group in ("all", "ER+", "ER-"):
        m = np.ones(len(rows), dtype=bool) if group == "all" else er == group
        sel = (summ.group == group) & (summ.organ == "distant")
        assert summ.extra["n_group"][sel].astype(int)[0] == m.sum()
        assert summ.extra["events_group"][sel].astype(int)[0] == distant[m].sum()
        np.testing.assert_allclose(kaplan_meier(rows.time[m], ev[m], at=summ.time[sel]), summ.value[sel], atol=5e-5)
    assert load_dataset("gse2034").info.treatment.startswith("None")
