"""Case actions through the web: a refused step says why, and nothing crashes."""

from django.urls import reverse

from cases.models import Case, Status


def test_an_illegal_step_is_refused_with_the_reason_on_the_page_the_user_came_from(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    page = reverse("cases:case-detail", args=[case.reference])

    response = client.post(
        reverse("review:opinion-deliver", args=[case.reference]),
        HTTP_REFERER=f"http://testserver{page}",
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith(page)
    assert "You can&#x27;t deliver a case that is “submitted”." in response.text
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_without_a_page_to_return_to_the_refusal_is_shown_on_its_own_page(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = client.post(reverse("review:opinion-deliver", args=[case.reference]))

    assert response.status_code == 409
    assert "You can&#x27;t deliver a case that is “submitted”." in response.text


def test_a_withdrawal_needs_a_reason_and_records_it_on_the_timeline(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)
    url = reverse("cases:case-withdraw", args=[case.reference])

    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "My own doctor answered my question"})

    assert "There is a problem" in empty.text
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert case.events.last().note == "My own doctor answered my question"


def test_the_specialist_saves_a_draft_and_a_missing_part_blocks_submission(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)
    url = reverse("review:opinion-edit", args=[case.reference])

    response = client.post(url, {"diagnosis": "DCIS", "reasoning": "Slides 1-4", "submit": "1"})

    assert response.status_code == 200
    assert "Complete these parts before you submit" in response.text
    assert "Slides 1-4" in response.text  # what was typed is kept
    assert case.opinion.reasoning == "Slides 1-4"  # and saved as a draft
    assert Case.objects.get(pk=case.pk).status == Status.IN_REVIEW
