"""Every page a signed-in person opens runs at most 12 SQL queries, and as many with ten times
the data: no query per row (N+1), no read repeated.

Two batches of bench/scale_data.py's data: 40 cases, then 400 more, each with its own named
patient, specialist and coordinator whose lists grow with the batch (2 rows, then 5). Each page
is opened by the second batch's actors and the first's; the counts must be equal and within the
goal. The pages are bench/pages.py's, which the benchmark times too; every other URL name in
the URLconf is listed there with the reason it is not such a page.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from backoffice import metrics
from bench import pages, scale_data


@pytest.fixture
def batches(db):
    small = scale_data.seed(cases=40)
    large = scale_data.seed(cases=400)
    assert large.per_actor > small.per_actor
    metrics.refresh_snapshot()  # the metrics page reads the snapshot the beat task keeps
    return small, large


def test_every_page_runs_as_many_queries_with_ten_times_the_data_and_at_most_12(batches):
    small, large = batches
    counts_small = pages.query_counts(small)
    counts_large = pages.query_counts(large)
    differ = {
        name: (counts_small[name], counts_large[name])
        for name in counts_small
        if counts_small[name] != counts_large[name]
    }
    assert not differ, f"queries at 1x vs 10x data: {differ}"
    over = {name: n for name, n in counts_large.items() if n > pages.MAX_QUERIES}
    assert not over, f"pages over {pages.MAX_QUERIES} queries: {over}"
    assert {page.name for page in pages.PAGES} == set(counts_small)


def _url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_counted_or_says_why_not():
    # The admin site and django-allauth's own account pages are not the application's.
    named = {
        name
        for name in _url_names(get_resolver().url_patterns)
        if not name.startswith(("admin:", "account_", "mfa_", "socialaccount_", "usersessions_"))
    }
    explained = set().union(*pages.NOT_PAGES.values())
    assert named - pages.PAGE_URL_NAMES - explained == set()
    assert (pages.PAGE_URL_NAMES | explained) - named == set()
    assert not pages.PAGE_URL_NAMES & explained
