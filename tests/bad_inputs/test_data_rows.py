"""Bad data rows (issue 14 item 6): ``events`` contradicting ``value`` beyond rounding is refused
(half a unit in the last decimal written in value, at least 0.0005); rounded values pass."""
import pytest

from metakinetics import DataError
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
