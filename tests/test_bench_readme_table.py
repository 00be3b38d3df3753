"""README's benchmark table is generated from bench/results.json: every goal a row, met or not."""

import json

import pytest

from bench import readme_table

RESULTS = {
    "run": {"finished_at": "2026-12-06T17:00:00+00:00", "seconds": 300, "cpus": 2}
    | {"load_average": 1.5, "cases": 100000},
    "results": [
        {
            "name": "server time: case page",
            "figure": "p50 9 ms, p95 12 ms",
            "goals": [
                {"goal": "p95 <= 5x baseline p95", "measured": "2.1x", "met": True},
                {"goal": "p95 at 100,000 <= 1.5x p95 at 10,000", "measured": "1.7x", "met": False},
            ],
        },
        {"name": "old style", "figure": "3 s", "goal": "measured", "met": True},
    ],
}


def test_every_goal_is_a_row_saying_met_or_not_met():
    block = readme_table.table(RESULTS)

    assert (
        "| server time: case page | p50 9 ms, p95 12 ms | p95 <= 5x baseline p95 | **met** (2.1x) |"
        in block
    )
    assert "|  |  | p95 at 100,000 <= 1.5x p95 at 10,000 | **not met** (1.7x) |" in block
    assert "| old style | 3 s | measured | **met** |" in block
    assert "100,000 cases" in block


def test_the_block_between_the_markers_is_replaced_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{readme_table.START}\nold table\n{readme_table.END}\noutro\n")

    readme_table.rewrite(readme, readme_table.table(RESULTS))

    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n")
    assert "old table" not in text
    assert "**not met** (1.7x)" in text
    json.dumps(RESULTS)


def test_a_file_without_the_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no block here\n")

    with pytest.raises(SystemExit):
        readme_table.rewrite(readme, readme_table.table(RESULTS))


def test_a_run_of_one_benchmark_replaces_its_rows_only(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{readme_table.table(RESULTS)}\noutro\n")
    again = {
        "name": "server time: case page",
        "figure": "p50 7 ms, p95 10 ms",
        "goals": [{"goal": "p95 <= 5x baseline p95", "measured": "1.6x", "met": True}],
    }

    readme_table.rewrite_rows(readme, [again])

    text = readme.read_text()
    assert "| server time: case page | p50 7 ms, p95 10 ms | p95 <= 5x baseline p95 |" in text
    assert "p50 9 ms" not in text and "(1.7x)" not in text  # its old goal rows are gone
    assert "| old style | 3 s | measured | **met** |" in text
    assert "Run finished 2026-12-06T17:00:00+00:00" in text
    assert text.startswith("intro\n") and text.endswith("\noutro\n")


def test_a_result_the_table_has_no_row_for_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{readme_table.table(RESULTS)}\n")

    with pytest.raises(SystemExit):
        readme_table.rewrite_rows(readme, [{"name": "new one", "figure": "1 s", "goals": []}])
