"""The patients CSV: one row each; a missing or unknown column and a bad cell are one-line errors
naming the file, the row and the column."""
import pytest

from metakinetics.errors import DataError
from metakinetics.patient import Patient, read_patients


def _write(tmp_path, text):
    p = tmp_path / "patients.csv"
    p.write_text(text)
    return p


def test_reads_patients_with_empty_cells_as_not_observed(tmp_path):
    p = _write(tmp_path, "id,diameter_cm,nodes,subtype,treatment\n"
                         "a,2.1,2,luminal_b,endocrine\nb,,N+,,\n# a comment\nc,0.9,0,HR-,none\n")
    assert read_patients(p) == (Patient(2.1, 2, "luminal_b", "endocrine", id="a"),
                                Patient(None, "N+", None, None, id="b"), Patient(0.9, 0, "HR-", "none", id="c"))


def test_rows_without_id_are_named_by_their_line(tmp_path):
    p = _write(tmp_path, "diameter_cm,nodes,subtype,treatment\n2,0,,\n")
    assert read_patients(p)[0].id == "row 2"


@pytest.mark.parametrize("text, row, column, words", [
    ("id,diameter_cm,nodes,subtype\na,2,0,luminal_a\n", 1, "treatment", "missing column"),
    ("id,diameter_cm,nodes,subtype,treatment,grade\na,2,0,,,3\n", 1, "grade", "unknown column"),
    ("id,diameter,nodes,subtype,treatment\na,2,0,,\n", 1, "diameter", "did you mean 'diameter_cm'"),
    ("diameter_cm,nodes,subtype,treatment\n2,0,,\n-1.5,0,,\n", 3, "diameter_cm", "must be in (0, 25] cm"),
    ("diameter_cm,nodes,subtype,treatment\n2,0,,\n2,61,,\n", 3, "nodes", "count 0-60"),
    ("diameter_cm,nodes,subtype,treatment\n2,0,,\n2,x7,,\n", 3, "nodes", "nodal class 'x7' is not defined"),
    ("diameter_cm,nodes,subtype,treatment\n2.x,0,,\n", 2, "diameter_cm", "expected a diameter in cm"),
    ("diameter_cm,nodes,subtype,treatment\n2,0,,chemo\n", 2, "treatment", "unknown treatment"),
])
def test_bad_files_name_row_and_column(tmp_path, text, row, column, words):
    p = _write(tmp_path, text)
    with pytest.raises(DataError) as err:
        read_patients(p)
    msg = str(err.value)
    assert f"row {row}" in msg and f"column '{column}'" in msg and words in msg, msg
    assert "\n" not in msg and str(p) in msg


def test_wrong_cell_count_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="row 2: expected 4 cells, found 3"):
        read_patients(_write(tmp_path, "diameter_cm,nodes,subtype,treatment\n2,0,\n"))
    with pytest.raises(DataError, match="no patients"):
        read_patients(_write(tmp_path, "diameter_cm,nodes,subtype,treatment\n"))
    with pytest.raises(DataError, match="cannot read"):
        read_patients(tmp_path / "missing.csv")
