"""One link scheme for provider links, referral links, invitations and report shares: links made
by the code before it (same salts, same token formats) still work, and each kind still ends the
way it did (used, expired, revoked) with its own message."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cases.models import Status
from records import provider_requests
from referrals import services as referrals
from referrals.models import Referral, ReferralSource
from review import services as review_services
from review.models import ReportShare
from secondopinion import links
from tests.factories import MINIMAL_PDF, REFERRAL, case_in_state


def _old_token(salt: str, nonce: str) -> str:
    """What the code before the link module put in every nonce-derived link."""
    return salted_hmac(salt, nonce, algorithm="sha256").hexdigest()


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def delivered(actors):
    return case_in_state(
        Status.DELIVERED, owner=actors.alice, specialist=actors.dr_smith, coordinator=actors.cora
    )


def test_a_provider_link_made_by_the_old_code_still_opens_the_request(actors):
    nonce = secrets.token_hex(32)
    token = _old_token("records.RecordsRequest.link", nonce)
    request = provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED),
        by=actors.alice,
        provider_name="Dr Ada Brown",
        provider_organisation="City Hospital",
        provider_email="records@city-hospital.example",
        records_wanted="MRI",
    )
    type(request).objects.filter(pk=request.pk).update(nonce=nonce, token_hash=_sha256(token))

    assert provider_requests.records_request_for_token(token).pk == request.pk
    page = Client().get(reverse("records:provider-link", args=[token]), follow=True)
    assert page.status_code == 200
    assert "not valid" not in page.text
    assert provider_requests.provider_link(type(request).objects.get()).endswith(f"/{token}/")


def test_referral_and_invitation_links_made_by_the_old_code_still_work(actors):
    source = referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    source_nonce = secrets.token_hex(32)
    source_token = _old_token("cases.referrals.source", source_nonce)
    ReferralSource.objects.filter(pk=source.pk).update(
        nonce=source_nonce, token_hash=_sha256(source_token)
    )
    referral = referrals.enter_referral(by=actors.cora, **REFERRAL)
    invitation_nonce = secrets.token_hex(32)
    invitation_token = _old_token("cases.referrals.invitation", invitation_nonce)
    Referral.objects.filter(pk=referral.pk).update(
        nonce=invitation_nonce, token_hash=_sha256(invitation_token)
    )

    assert referrals.source_for_token(source_token).pk == source.pk
    assert Client().get(reverse("referrals:refer", args=[source_token])).status_code == 200
    assert referrals.invitation_for_token(invitation_token).pk == referral.pk
    assert referrals.invitation_path(Referral.objects.get()).endswith(f"/{invitation_token}/")


def test_report_shares_made_by_the_old_code_still_open_the_report(actors, delivered):
    # A patient's share: a random token, only its hash stored, no nonce.
    patient_token = secrets.token_urlsafe(32)
    ReportShare.objects.create(
        case=delivered,
        created_by=actors.alice,
        token_hash=_sha256(patient_token),
        expires_at=timezone.now() + timedelta(days=7),
    )
    # A referrer's share: a token derived from a nonce with the referrals' report salt.
    referrer_nonce = secrets.token_hex(32)
    referrer_token = _old_token("cases.referrals.report", referrer_nonce)
    ReportShare.objects.create(
        case=delivered,
        created_by=actors.alice,
        nonce=referrer_nonce,
        token_hash=_sha256(referrer_token),
        expires_at=timezone.now() + timedelta(days=7),
    )

    for token in (patient_token, referrer_token):
        url = reverse("review:report-share", args=[token])
        download = Client().post(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == MINIMAL_PDF
        assert Client().post(url).status_code == 410  # single use


def test_the_referrer_share_is_made_by_the_patients_share_service(actors, delivered):
    referral = referrals.enter_referral(by=actors.cora, **REFERRAL)
    Referral.objects.filter(pk=referral.pk).update(case=delivered, claimed_by=actors.alice)
    made = []
    original = review_services.share_report

    def spy(**kwargs):
        made.append(kwargs)
        return original(**kwargs)

    review_services.share_report, saved = spy, review_services.share_report
    try:
        share = referrals.share_report_with_referrer(case=delivered, by=actors.alice)
    finally:
        review_services.share_report = saved

    assert [call["case"] for call in made] == [delivered]
    token = review_services.REPORT_SHARE_LINK.token(share.nonce)
    assert review_services.shared_report(token=token) == share


def test_a_share_link_is_single_use_and_expires(actors, delivered, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    share, token = review_services.share_report(case=delivered, by=actors.alice)

    assert share.token_hash == _sha256(token) and token not in share.nonce
    review_services.open_shared_report(token=token)
    with pytest.raises(review_services.ShareLinkUsed):
        review_services.shared_report(token=token)

    _, later = review_services.share_report(case=delivered, by=actors.alice)
    time_machine.shift(timedelta(days=30))
    with pytest.raises(review_services.ShareLinkExpired):
        review_services.shared_report(token=later)
    for wrong in ("", "x" * 129, token[:-1], later.upper()):
        with pytest.raises(review_services.ShareLinkNotFound):
            review_services.shared_report(token=wrong)


def test_a_revoked_link_says_so_and_stores_nothing(actors):
    source = referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    link = referrals.source_path(source).rstrip("/").rsplit("/", 1)[-1]
    referrals.revoke_referral_source(source=source, by=actors.cora)

    with pytest.raises(referrals.LinkRevoked):
        referrals.submit_referral(token=link, **REFERRAL)
    assert not Referral.objects.exists()
    assert ReferralSource.objects.get().token_hash == links.hash_token(link)


def test_each_kind_keeps_its_salt():
    # Changing a salt would break every link already sent: these are the salts those links used.
    assert provider_requests.PROVIDER_LINK.salt == "records.RecordsRequest.link"
    assert referrals.SOURCE_LINK.salt == "cases.referrals.source"
    assert referrals.INVITATION_LINK.salt == "cases.referrals.invitation"
    assert review_services.REPORT_SHARE_LINK.salt == "cases.referrals.report"
