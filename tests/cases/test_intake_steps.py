"""The guided intake: one question per page, saved as the patient goes, errors that keep every
answer, Back and Change that lose nothing."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseFor, Status
from secondopinion.audit.models import AuditEvent
from tests.factories import complete_draft


def step(case: Case, slug: str) -> str:
    return reverse("cases:intake-step", args=[case.reference, slug])


def new_draft(actors) -> Case:
    return services.create_case(by=actors.alice, case_for=CaseFor.SELF)


DIAGNOSIS = {
    "diagnosis": "Torn meniscus, left knee",
    "diagnosis_date": "2026-06-02",
    "treating_doctor": "Dr Ada Brown",
    "treating_institution": "City Hospital",
}


def test_the_first_page_opens_a_draft_for_the_patient_and_goes_to_the_next_question(client, actors):
    client.force_login(actors.alice)

    response = client.post(reverse("cases:case-create"), {"case_for": "self"})

    case = Case.objects.get(owner=actors.alice)
    assert case.status == Status.DRAFT
    assert case.patient_name == "Alice Patient"
    assert response["Location"] == step(case, "patient")


def test_each_step_saves_its_answers_in_the_database_and_goes_on(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)

    response = client.post(step(case, "diagnosis"), DIAGNOSIS)

    assert response["Location"] == step(case, "treatment")
    case.refresh_from_db()
    assert case.diagnosis == "Torn meniscus, left knee"
    assert case.diagnosis_date.isoformat() == "2026-06-02"
    assert case.treating_institution == "City Hospital"
    event = AuditEvent.objects.filter(action="case.update", case_id=case.pk).latest("at")
    assert event.actor == actors.alice
    assert event.detail["fields"] == sorted(DIAGNOSIS)


def test_a_draft_is_found_again_from_another_browser(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)
    client.post(step(case, "diagnosis"), DIAGNOSIS)

    client.logout()
    client.force_login(actors.alice)
    dashboard = client.get(reverse("cases:dashboard"))
    page = client.get(step(case, "diagnosis"))

    resume = reverse("cases:intake-resume", args=[case.reference])
    assert f'href="{resume}">Finish your request and submit it' in dashboard.text
    assert "Torn meniscus, left knee" in page.text
    # Carrying on goes to the first question still unanswered: the patient's birth date.
    assert client.get(resume)["Location"] == step(case, "patient")


@pytest.mark.any_day
def test_an_invalid_answer_shows_an_error_summary_linked_to_the_field_and_keeps_the_others(
    client, actors
):
    case = new_draft(actors)
    client.force_login(actors.alice)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = client.post(step(case, "diagnosis"), {**DIAGNOSIS, "diagnosis_date": tomorrow})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    message = "The date of the diagnosis must be today or in the past."
    assert f'<a href="#id_diagnosis_date">{message}</a>' in response.text
    assert 'id="id_diagnosis_date_error"' in response.text
    for answer in ("Torn meniscus, left knee", "Dr Ada Brown", "City Hospital", tomorrow):
        assert answer in response.text
    case.refresh_from_db()
    assert case.diagnosis == ""  # nothing of the refused page is saved


def test_html_in_an_answer_is_stored_as_text_and_shown_escaped(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)
    script = "<script>alert('x')</script> & <b>bold</b>"

    client.post(step(case, "treatment"), {"treatment": script})
    check = client.get(reverse("cases:intake-check", args=[case.reference]))
    form = client.get(step(case, "treatment"))

    case.refresh_from_db()
    assert case.treatment == script
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert escaped in check.text
    assert escaped in form.text
    assert "<script>alert" not in check.text + form.text


def test_over_long_text_is_refused_with_the_limit_and_everything_typed_is_kept(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)
    answers = {"question": "x" * 4001, "title": "Knee", "question_topics": ["surgery"]}

    response = client.post(step(case, "question"), answers)

    assert "The question must be 4000 characters or fewer (it has 4001)." in response.text
    assert "x" * 4001 in response.text
    assert 'value="Knee"' in response.text
    assert re.search(r'<input type="checkbox"[^>]*value="surgery"[^>]*checked>', response.text)
    case.refresh_from_db()
    assert case.question == ""


def test_a_required_choice_left_empty_is_named_in_the_summary(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)

    response = client.post(step(case, "coverage"), {})

    assert '<a href="#id_coverage">Choose how you will pay.</a>' in response.text


def test_back_goes_to_the_previous_question_which_shows_the_saved_answer(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)
    client.post(step(case, "diagnosis"), DIAGNOSIS)

    treatment_page = client.get(step(case, "treatment"))
    previous = client.get(step(case, "diagnosis"))

    assert f'href="{step(case, "diagnosis")}">Back' in treatment_page.text
    assert "Torn meniscus, left knee" in previous.text


def test_change_from_the_check_page_saves_and_returns_there(client, actors):
    case = complete_draft(actors.alice)
    client.force_login(actors.alice)
    check = reverse("cases:intake-check", args=[case.reference])

    page = client.get(step(case, "treatment") + "?return=check")
    response = client.post(
        step(case, "treatment") + "?return=check", {"treatment": "Surgery in May"}
    )

    assert f'href="{check}">Back to check your answers' in page.text
    assert response["Location"] == check
    assert "Surgery in May" in client.get(check).text


def test_choosing_insurance_from_the_check_page_asks_for_the_insurance_before_returning(
    client, actors
):
    case = complete_draft(actors.alice)
    client.force_login(actors.alice)

    response = client.post(step(case, "coverage") + "?return=check", {"coverage": "insurance"})

    assert response["Location"] == step(case, "insurance") + "?return=check"


def test_choosing_self_pay_forgets_the_insurance_details(actors):
    case = complete_draft(
        actors.alice, coverage="insurance", insurance_payer="Acme", insurance_member_id="M1"
    )

    services.update_case(case=case, by=actors.alice, coverage="self_pay")

    case.refresh_from_db()
    assert (case.insurance_payer, case.insurance_member_id) == ("", "")


def test_the_insurance_page_is_only_there_for_insurance(client, actors):
    case = complete_draft(actors.alice)  # self-pay
    client.force_login(actors.alice)

    assert client.get(step(case, "insurance")).status_code == 404


def test_a_submitted_case_takes_no_more_answers(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)

    assert client.get(step(case, "treatment")).status_code == 404
    assert client.post(step(case, "treatment"), {"treatment": "New"}).status_code == 404
    case.refresh_from_db()
    assert case.treatment != "New"


def test_the_review_type_page_shows_each_price(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)

    response = client.get(step(case, "review-type"))

    assert "Standard review of your records: $750.00" in response.text
    assert "(imaging): $1,100.00" in response.text
    assert "(pathology): $1,250.00" in response.text


def test_html_in_every_text_answer_is_shown_escaped_on_the_check_and_case_pages(client, actors):
    script = "<script>alert(1)</script>"
    text_answers = [
        "patient_name",
        "title",
        "diagnosis",
        "treating_doctor",
        "treating_institution",
        "treatment",
        "question",
        "medical_history",
        "medications",
        "allergies",
        "excluded_doctors",
        "insurance_payer",
        "insurance_plan",
        "insurance_member_id",
    ]
    case = complete_draft(
        actors.alice,
        coverage="insurance",
        insurance_needs_preauthorization="no",
        **{name: f"{name} {script}" for name in text_answers},
    )
    client.force_login(actors.alice)

    pages = [
        client.get(reverse("cases:intake-check", args=[case.reference])).text,
        client.get(reverse("cases:case-detail", args=[case.reference])).text,
    ]

    for page in pages:
        assert "<script>alert(1)" not in page
        for name in text_answers:
            assert f"{name} &lt;script&gt;alert(1)&lt;/script&gt;" in page, name


def _step_labels(client, urls) -> list[tuple[int, int]]:
    labels = []
    for url in urls:
        found = re.search(r"Step (\d+) of (\d+)", client.get(url).text)
        assert found, url
        labels.append((int(found[1]), int(found[2])))
    return labels


def test_the_step_count_stays_the_same_on_every_page_and_every_path(client, actors):
    from cases import intake
    from tests.factories import proxy_authority

    for_self = complete_draft(actors.alice)  # self-pay: no authority, no insurance page
    authority = proxy_authority(actors.carol, "mum@example.org")
    for_mum = complete_draft(
        actors.carol,
        authority=authority,
        coverage="insurance",
        insurance_payer="Acme",
        insurance_member_id="M1",
    )
    seen = {}
    for user, case in ((actors.alice, for_self), (actors.carol, for_mum)):
        client.force_login(user)
        first = [reverse("cases:case-create")]
        pages = [s.url(case) for s in intake.steps_for(case) if s.slug != "consent"]
        seen[user.email] = _step_labels(client, first + pages)

    totals = {total for labels in seen.values() for _, total in labels}
    assert totals == {13}
    for labels in seen.values():
        numbers = [number for number, _ in labels]
        assert numbers == sorted(numbers)
        assert numbers[0] == 1 and numbers[-1] == 12  # the consent is step 13
    # The caregiver's extra pages (their authority, the insurance) share their question's number.
    assert len(seen["carol@example.org"]) == len(seen["alice@example.org"]) + 2


def test_a_diagnosis_before_the_patients_birth_is_refused_and_everything_typed_is_kept(
    client, actors
):
    case = new_draft(actors)
    services.update_case(case=case, by=actors.alice, patient_date_of_birth="1970-05-17")
    client.force_login(actors.alice)

    response = client.post(step(case, "diagnosis"), {**DIAGNOSIS, "diagnosis_date": "1969-12-31"})

    message = (
        "The date of the diagnosis must be on or after the patient&#x27;s date of birth "
        "(17 May 1970)."
    )
    assert f'<a href="#id_diagnosis_date">{message}</a>' in response.text
    for answer in ("Torn meniscus, left knee", "Dr Ada Brown", "1969-12-31"):
        assert answer in response.text
    case.refresh_from_db()
    assert (case.diagnosis, case.diagnosis_date) == ("", None)


def test_a_birth_date_after_the_diagnosis_is_refused(client, actors):
    case = complete_draft(actors.alice)  # diagnosed 60 days ago
    client.force_login(actors.alice)
    later = (case.diagnosis_date + timedelta(days=1)).isoformat()

    response = client.post(
        step(case, "patient"),
        {
            "patient_name": "Alice Patient",
            "patient_date_of_birth": later,
            "patient_region": "GB-ENG",
        },
    )

    assert "The date of birth must be before the date of the diagnosis" in response.text
    case.refresh_from_db()
    assert case.patient_date_of_birth.isoformat() == "1970-05-17"


def test_the_birth_date_is_one_date_field_with_no_conflicting_format_hint(client, actors):
    case = new_draft(actors)
    client.force_login(actors.alice)

    page = client.get(step(case, "patient")).text

    assert re.search(r'<input type="date" name="patient_date_of_birth"', page)
    assert "27 3 1961" not in page


def test_the_pages_require_exactly_the_answers_submission_requires(db):
    """One list, intake.REQUIRED_ANSWERS: each page's form requires the listed answers it asks
    and leaves the others optional, and every listed answer is asked on some page."""
    from cases import intake, selectors

    listed = intake.REQUIRED_ANSWERS.keys() | intake.REQUIRED_INSURANCE_ANSWERS.keys()
    extra = {
        "preferences": {"languages": [("en", "English")]},
        "review-type": {"prices": selectors.price_list()},
    }
    required_on_pages = set()
    for page in intake.STEPS:
        if page.form is None:
            continue
        form = page.bind(**extra.get(page.slug, {}))
        for name, field in form.fields.items():
            assert field.required == (name in listed), (page.slug, name)
            if field.required:
                required_on_pages.add(name)
    assert required_on_pages == listed
