"""Every list page runs as many SQL queries with ten times the data: no query per row (N+1).

Two batches of bench/scale_data.py's data: 40 cases, then 400 more, each with its own named
patient, specialist and coordinator whose lists grow with the batch (2 rows, then 5). Each page
is opened by the second batch's actors and the first's; the counts must be equal.
"""

import pytest

from bench import pages, scale_data


@pytest.fixture
def batches(db):
    small = scale_data.seed(cases=40)
    large = scale_data.seed(cases=400)
    assert large.per_actor > small.per_actor
    return small, large


def test_every_list_page_runs_as_many_queries_with_ten_times_the_data(batches):
    small, large = batches
    counts_small = pages.query_counts(small)
    counts_large = pages.query_counts(large)
    differ = {
        name: (counts_small[name], counts_large[name])
        for name in counts_small
        if counts_small[name] != counts_large[name]
    }
    assert not differ, f"queries at 1x vs 10x data: {differ}"
    assert {page.name for page in pages.PAGES} == set(counts_small)
