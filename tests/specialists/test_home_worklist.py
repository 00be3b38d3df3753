"""A specialist's home (and "My reviews") groups their cases by what they must do next."""

import re

from django.urls import reverse

from cases.models import Status
from review import services as review_services

HEADINGS = [
    "Offers waiting for your answer",
    "Opinions to write",
    "Returned to you to revise",
    "Your questions waiting on the patient",
    "Done",
]


def sections(page: str) -> dict[str, str]:
    """Each group's part of the page, by its heading."""
    starts = [page.index(f">{heading}</h2>") for heading in HEADINGS]
    ends = [*starts[1:], page.index("</section>", starts[-1])]
    return {
        heading: page[start:end] for heading, start, end in zip(HEADINGS, starts, ends, strict=True)
    }


def test_each_case_is_under_what_the_specialist_must_do_next(client, actors):
    offered = actors.case(Status.OFFERED, owner=actors.bob)
    to_write = actors.case(Status.IN_REVIEW)
    returned = actors.case(Status.OPINION_SUBMITTED)
    review_services.return_opinion(case=returned, by=actors.cora, comments="Cite the guideline.")
    waiting = actors.case(Status.INFO_REQUESTED)
    delivered = actors.case(Status.DELIVERED)
    client.force_login(actors.dr_smith.user)

    for url in (reverse("specialists:home"), reverse("cases:dashboard")):
        page = client.get(url).text
        groups = sections(page)

        expected = {
            "Offers waiting for your answer": offered,
            "Opinions to write": to_write,
            "Returned to you to revise": returned,
            "Your questions waiting on the patient": waiting,
            "Done": delivered,
        }
        for heading, case in expected.items():
            assert case.reference in groups[heading], (url, heading)
            others = [c.reference for h, c in expected.items() if h != heading]
            assert not any(reference in groups[heading] for reference in others), (url, heading)
        assert "Specialist reviewing" not in groups["Returned to you to revise"]


def test_an_offer_links_to_its_answer_and_shows_no_patient_name(client, actors):
    offered = actors.case(Status.OFFERED, owner=actors.bob)
    client.force_login(actors.dr_smith.user)

    offers = sections(client.get(reverse("specialists:home")).text)[
        "Offers waiting for your answer"
    ]

    assert reverse("specialists:offer-accept", args=[offered.reference]) in offers
    assert reverse("cases:case-detail", args=[offered.reference]) not in offers
    assert offered.patient_name not in offers
    assert offered.title not in offers


def test_tables_are_named_by_their_heading_not_a_repeated_caption(client, actors):
    actors.case(Status.OFFERED)
    actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("specialists:home")).text

    assert "<caption" not in page
    for table in re.findall(r"<table [^>]*>", page):
        assert 'aria-labelledby="' in table


def test_a_long_list_of_open_work_shows_the_first_few_and_says_how_many_more(
    client, actors, monkeypatch
):
    from specialists import selectors

    monkeypatch.setattr(selectors, "WORK_SHOWN", 1)
    first = actors.case(Status.IN_REVIEW)
    second = actors.case(Status.IN_REVIEW)
    offers = [actors.case(Status.OFFERED, owner=actors.bob) for _ in range(3)]
    client.force_login(actors.dr_smith.user)

    groups = sections(client.get(reverse("specialists:home")).text)

    to_write = groups["Opinions to write"]
    assert first.reference in to_write and second.reference not in to_write
    assert "1 more case waits after these" in to_write
    listed = [case for case in offers if case.reference in groups["Offers waiting for your answer"]]
    assert len(listed) == 1
    assert "2 more offers wait after these" in groups["Offers waiting for your answer"]
