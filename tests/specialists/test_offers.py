"""Offers: made by hand or automatically, accepted with the attestation or declined with a reason,
expired by the beat task, never to the same specialist twice; refusals say why."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from cases import services
from cases.models import Case, Status
from secondopinion.accounts.models import Role
from secondopinion.celery import app as celery_app
from secondopinion.errors import ApplicationError
from secondopinion.notifications.models import Notification
from specialists import offers
from specialists.models import Offer
from specialists.tasks import expire_overdue_offers
from tests.factories import SpecialistFactory, UserFactory, case_in_state
from tests.i18n.pages import speaks, timeline_text


def overdue(offer: Offer) -> None:
    """Move the offer's deadline into the past, as if the response time had gone by."""
    Offer.objects.filter(pk=offer.pk).update(respond_by=timezone.now() - timedelta(minutes=1))


@pytest.mark.any_day
def test_an_offer_is_due_within_the_configured_hours(actors, matching_case, settings):
    settings.OFFER_RESPONSE_HOURS = 24
    case = matching_case()

    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    assert abs(offer.respond_by - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED
    assert Notification.objects.filter(
        user=actors.dr_smith.user,
        message__startswith=f"You have been offered case {case.reference}",
    ).exists()


def test_a_specialist_who_may_not_have_the_case_cannot_be_offered_it(
    actors, matching_case, specialist
):
    case = matching_case(treating_institution="City Hospital")
    insider = specialist("Dr Ivy Insider", institution="City Hospital")

    with pytest.raises(ApplicationError) as error:
        offers.offer_case(case=case, specialist=insider, by=actors.cora)

    assert error.value.message == (
        "Dr Ivy Insider can't be offered this case: Works at City Hospital, where the patient "
        "is treated."
    )
    assert Case.objects.get(pk=case.pk).status == Status.MATCHING
    assert not Offer.objects.filter(case=case).exists()


def test_automatic_mode_offers_the_top_match(actors, matching_case, specialist):
    case = matching_case()
    specialist("Dr Bea Best", subspecialty="Breast oncology")

    offer = offers.offer_case(case=case, by=actors.cora, automatic=True)

    assert str(offer.specialist) == "Dr Bea Best"
    assert offer.automatic


def test_accepting_needs_the_no_conflict_attestation(actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    with pytest.raises(ApplicationError, match="Confirm that you have no conflict of interest"):
        offers.accept_offer(case=case, by=actors.dr_smith.user)
    accepted = offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)

    assert accepted.status == Status.IN_REVIEW
    assert accepted.specialist == actors.dr_smith
    offer = Offer.objects.get(case=case)
    assert offer.status == Offer.Status.ACCEPTED
    assert offer.attested_at is not None
    assert offer.screening["rules"] == [
        "treating_institution",
        "named_doctor",
        "financial_relationship",
        "declared_relationship",
    ]


def test_accepting_after_the_deadline_is_refused_clearly(actors, matching_case):
    case = matching_case()
    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    overdue(offer)

    with pytest.raises(ApplicationError, match="The time to answer this offer ended at"):
        offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)

    expire_overdue_offers()
    with pytest.raises(ApplicationError, match=r"Your offer expired at .* without an answer"):
        offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)
    assert Case.objects.get(pk=case.pk).status == Status.MATCHING


def test_accepting_an_offer_made_to_someone_else_is_refused_clearly(actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    with pytest.raises(ApplicationError) as error:
        offers.accept_offer(case=case, by=actors.dr_jones.user, attested_no_conflict=True)

    assert error.value.message == (
        "This case was offered to another specialist, so you don't have permission to accept it."
    )
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED


def test_declining_for_another_reason_needs_the_reason(actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    with pytest.raises(ApplicationError, match="Tell us why you are declining"):
        offers.decline_offer(case=case, by=actors.dr_smith.user, reason_code="other")
    offers.decline_offer(
        case=case, by=actors.dr_smith.user, reason_code=Offer.DeclineReason.CONFLICT
    )

    offer = Offer.objects.get(case=case)
    assert (offer.status, offer.decline_category) == (Offer.Status.DECLINED, "conflict")
    event = case.events.last()
    assert event.note == ""  # the specialist wrote nothing of their own
    assert event.note_words == {
        "message": "Declined: %(category)s",
        "params": {"category": {"message": "I have a conflict of interest", "params": {}}},
    }
    assert Notification.objects.filter(
        user=actors.cora,
        message=f"Dr Sarah Smith declined on case {case.reference}. Choose another specialist.",
    ).exists()


def test_an_expired_offer_goes_back_to_matching_and_the_coordinator_is_told(actors, matching_case):
    case = matching_case()
    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    overdue(offer)

    assert expire_overdue_offers() == 1
    assert expire_overdue_offers() == 0  # running it again changes nothing

    assert Case.objects.get(pk=case.pk).status == Status.MATCHING
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.EXPIRED
    assert case.events.last().note_words == {
        "message": "%(specialist)s did not answer in time",
        "params": {"specialist": "Dr Sarah Smith"},
    }
    assert Notification.objects.filter(
        user=actors.cora, message__contains="did not answer in time on case"
    ).exists()


def test_a_declined_offer_is_on_the_timeline_in_each_readers_language_with_the_reason_as_typed(
    client, actors, matching_case
):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    typed = "I'm away until March; ask Dr Jones"
    offers.decline_offer(case=case, by=actors.dr_smith.user, reason_code="other", reason=typed)

    spanish = timeline_text(client, actors.cora, case, "es")
    english = timeline_text(client, actors.cora, case, "en-gb")

    assert f"Oferta rechazada: Otro motivo · {typed}" in spanish
    assert "Declined" not in spanish
    assert f"Declined: Another reason · {typed}" in english
    assert case.events.last().note == typed  # the specialist's words, kept apart, as typed


def test_an_expired_offer_is_on_the_timeline_in_each_readers_language(
    client, actors, matching_case
):
    case = matching_case()
    overdue(offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora))
    expire_overdue_offers()

    spanish = timeline_text(client, actors.cora, case, "es")
    english = timeline_text(client, actors.cora, case, "en-gb")

    assert "Dr Sarah Smith no respondió a tiempo" in spanish
    assert "did not answer" not in spanish
    assert "Dr Sarah Smith did not answer in time" in english


def test_when_no_one_is_left_the_coordinator_reads_why_in_their_own_language(actors, matching_case):
    case = matching_case()
    speaks(actors.cora, "es")
    overdue(offers.offer_case(case=case, by=actors.cora, automatic=True))

    expire_overdue_offers()

    alert = Notification.objects.filter(user=actors.cora).first()
    assert alert.message.startswith(f"El caso {case.reference} requiere su intervención")
    assert "No queda ningún especialista apto al que ofrecer este caso." in alert.message
    assert "No eligible specialist" not in alert.message


def test_in_automatic_mode_an_expired_offer_goes_to_the_next_match_never_the_same_twice(
    actors, matching_case, specialist
):
    case = matching_case()
    second = specialist("Dr Nell Next", typical_turnaround_days=30)
    first = offers.offer_case(case=case, by=actors.cora, automatic=True)
    assert first.specialist == actors.dr_smith

    overdue(first)
    expire_overdue_offers()

    nxt = Offer.objects.get(case=case, status=Offer.Status.OPEN)
    assert nxt.specialist == second
    assert nxt.automatic
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED
    assert Notification.objects.filter(
        user=actors.cora,
        message__contains="it was offered automatically to Dr Nell Next, the next match",
    ).exists()

    overdue(nxt)
    expire_overdue_offers()

    assert Case.objects.get(pk=case.pk).status == Status.MATCHING
    assert Offer.objects.filter(case=case).count() == 2
    alert = Notification.objects.filter(user=actors.cora).first()
    assert alert.message.startswith(f"Case {case.reference} needs you: Dr Nell Next did not")
    assert "No eligible specialist is left to offer this case to." in alert.message


def test_a_declined_automatic_offer_goes_to_the_next_match(actors, matching_case, specialist):
    case = matching_case()
    second = specialist("Dr Nell Next", typical_turnaround_days=30)
    offers.offer_case(case=case, by=actors.cora, automatic=True)

    offers.decline_offer(
        case=case, by=actors.dr_smith.user, reason_code=Offer.DeclineReason.OUTSIDE_EXPERTISE
    )

    assert Offer.objects.get(case=case, status=Offer.Status.OPEN).specialist == second


def test_the_same_specialist_is_never_offered_a_case_twice(actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    offers.decline_offer(case=case, by=actors.dr_smith.user, reason="Away next week")

    with pytest.raises(ApplicationError) as error:
        offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    assert error.value.message == (
        "Dr Sarah Smith can't be offered this case: Already offered this case: declined "
        "(another reason)."
    )


def test_an_offer_answered_before_the_task_runs_is_left_alone(actors, matching_case):
    case = matching_case()
    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)
    overdue(offer)

    assert offers.expire_offer(offer=offer) is None
    assert Case.objects.get(pk=case.pk).status == Status.IN_REVIEW


def test_the_beat_schedule_runs_the_expiry_task():
    entry = celery_app.conf.beat_schedule["expire-overdue-offers"]
    assert entry["task"] == "specialists.tasks.expire_overdue_offers"
    assert expire_overdue_offers.name == entry["task"]


def test_a_second_coordinator_offering_at_once_is_told_who_was_first(actors, matching_case):
    case = matching_case()

    with pytest.raises(ApplicationError) as error:
        offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
        offers.offer_case(case=case, specialist=actors.dr_jones, by=actors.cora)

    assert error.value.message.startswith(
        "You can't offer a case that is “offered to a specialist”: Cora Coordinator offered it "
        "to Dr Sarah Smith at "
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_coordinators_offering_the_same_case_at_the_same_moment_one_wins():

    smith = SpecialistFactory(user__full_name="Dr Sarah Smith")
    jones = SpecialistFactory(user__full_name="Dr Tom Jones")
    cora = UserFactory(full_name="Cora Coordinator", role=Role.COORDINATOR)
    colin = UserFactory(full_name="Colin Coordinator", role=Role.COORDINATOR)
    alice = UserFactory(full_name="Alice Patient")
    case = case_in_state(Status.MATCHING, owner=alice, specialist=smith, coordinator=cora)

    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def offer(coordinator, specialist) -> None:
        start.wait()
        try:
            outcomes[coordinator.full_name] = offers.offer_case(
                case=case, specialist=specialist, by=coordinator
            )
        except ApplicationError as error:
            outcomes[coordinator.full_name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=offer, args=(cora, smith)),
        threading.Thread(target=offer, args=(colin, jones)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    made = [o for o in outcomes.values() if isinstance(o, Offer)]
    errors = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(made) == 1 and len(errors) == 1
    winner = made[0]
    assert errors[0].message.startswith(
        f"You can't offer a case that is “offered to a specialist”: {winner.offered_by} offered "
        f"it to {winner.specialist} at "
    )
    assert Offer.objects.filter(case=case).count() == 1


def test_an_open_offer_on_a_case_the_patient_withdrew_is_closed_quietly(actors, matching_case):
    case = matching_case()
    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    services.withdraw_case(case=case, by=actors.alice, reason="Treated elsewhere")
    overdue(offer)

    expire_overdue_offers()

    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    assert Case.objects.get(pk=case.pk).status == Status.WITHDRAWN
    assert expire_overdue_offers() == 0


def test_withdrawing_an_offered_case_closes_its_offer_at_once(actors, matching_case):
    case = matching_case()
    offer = offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)

    services.withdraw_case(case=case, by=actors.alice, reason="Treated elsewhere")

    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    with pytest.raises(ApplicationError):
        offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)
