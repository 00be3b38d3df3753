"""CSV exports cannot smuggle a formula into a spreadsheet."""

import pytest

from secondopinion.csv_export import csv_response, safe_cell


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["alice", "1", "", "a=b", " =x"])
def test_other_cells_are_left_alone(harmless):
    assert safe_cell(harmless) == harmless


def test_a_csv_response_escapes_every_cell_header_included():
    response = csv_response("x.csv", ["=head"], [["=cmd|' /C calc'!A0", None, 3]])

    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    lines = response.content.decode().splitlines()
    assert lines == ["'=head", "'=cmd|' /C calc'!A0,,3"]
