"""The helpers of tables written in Python (secondopinion.rows): a link reversed once is the link
reverse() gives for every value, and a shared value is worked out once."""

import pytest
from django.urls import reverse

from secondopinion.rows import Once, url_for_any


@pytest.mark.parametrize("pk", [1, 9, 10, 100, 2_000_000])
def test_a_link_for_any_id_is_the_one_reverse_gives(pk):
    assert url_for_any("records:record-download")(pk) == reverse(
        "records:record-download", args=[pk]
    )


@pytest.mark.parametrize("reference", ["SO-7K3Q-2M9X", "0", "a b", "é~:@", "x?y#z&w", "100%"])
def test_a_link_for_any_reference_is_quoted_as_reverse_quotes_it(reference):
    assert url_for_any("cases:case-detail", "0")(reference) == reverse(
        "cases:case-detail", args=[reference]
    )


def test_a_shared_value_is_worked_out_once_and_escaped():
    once, made = Once(), []

    def make():
        made.append(1)
        return "<b>Routine</b>"

    assert once("urgency", "routine", make) == "&lt;b&gt;Routine&lt;/b&gt;"
    assert once("urgency", "routine", make) == "&lt;b&gt;Routine&lt;/b&gt;"
    assert once("urgency", "urgent", lambda: "Urgent") == "Urgent"
    assert len(made) == 1
