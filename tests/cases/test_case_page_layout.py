"""The case page starts with where the case stands: status, next step, timeline; the request's
answers are there but folded away."""

import re

from django.urls import reverse

from cases.models import Status


def test_status_next_step_and_timeline_come_before_the_folded_answers(client, actors):
    case = actors.case(Status.IN_REVIEW)

    for viewer in (actors.alice, actors.cora, actors.dr_smith.user):
        client.force_login(viewer)
        page = client.get(reverse("cases:case-detail", args=[case.reference])).text

        order = [
            page.index('class="so-status'),
            page.index('id="next-step"'),
            page.index('id="timeline-heading"'),
            page.index('id="answers-heading"'),
            page.index('id="records-heading"'),
        ]
        assert order == sorted(order), viewer
        folded = re.search(r'<details class="so-details" id="answers">(.*?)</details>', page, re.S)
        assert folded, viewer
        assert "<summary>Show the answers given in the request</summary>" in folded[1]
        assert case.diagnosis in folded[1]
        assert "open" not in page[folded.start() : folded.start() + 50]
