"""The client's address behind reverse proxies: believed only as far as TRUSTED_PROXY_COUNT says.

Sign-in limits, referral limits and the audit log all read it through `client_ip`, so one
attacker behind the proxy no longer locks everybody out, and a forged X-Forwarded-For moves no
limit and writes no false address into the audit log.
"""

import secrets

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from cases.models import Status
from referrals import services as referrals
from secondopinion.audit.models import AuditEvent
from secondopinion.client_ip import client_ip
from tests.factories import PASSWORD, REFERRAL, UserFactory

PROXY = "10.0.0.5"  # the reverse proxy: every request reaches the app from it
CLIENT = "198.51.100.7"
ATTACKER = "203.0.113.9"
FORGED = "192.0.2.66"


def _request(forwarded_for: str | None = None, remote_addr: str = PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_x_forwarded_for_is_ignored():
    assert client_ip(_request(f"{FORGED}", remote_addr=CLIENT)) == CLIENT


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_forwarded_is_the_clients():
    assert client_ip(_request(CLIENT)) == CLIENT


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_forged_extra_hop_is_ignored_and_the_right_most_untrusted_address_is_used():
    # The attacker sends "X-Forwarded-For: FORGED"; the proxy appends the address it saw.
    assert client_ip(_request(f"{FORGED}, {ATTACKER}")) == ATTACKER


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=2)
def test_behind_two_trusted_proxies_the_second_address_from_the_right_is_the_clients():
    assert client_ip(_request(f"{FORGED}, {CLIENT}, 10.0.0.9")) == CLIENT


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_request_that_bypassed_the_proxy_has_its_own_address():
    assert client_ip(_request(None, remote_addr=CLIENT)) == CLIENT


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_forwarded_value_that_is_not_an_address_gives_none():
    assert client_ip(_request("not-an-ip")) is None


@override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP")
def test_a_trusted_client_ip_header_names_the_client():
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=CLIENT, HTTP_X_FORWARDED_FOR=FORGED
    )
    assert client_ip(request) == CLIENT


@override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP")
def test_without_the_trusted_header_the_connections_address_is_used():
    request = RequestFactory().get("/", REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=FORGED)
    assert client_ip(request) == CLIENT


def test_addresses_with_ports_and_ipv6_are_read():
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1):
        assert client_ip(_request("[2001:db8::7]:51000")) == "2001:db8::7"
        assert client_ip(_request(f"{CLIENT}:51000")) == CLIENT
        assert client_ip(_request("2001:DB8::7")) == "2001:db8::7"


def _fail_sign_ins(address_header: dict, times: int) -> None:
    attacker = Client(**({"REMOTE_ADDR": PROXY} | address_header))
    for number in range(times):
        attacker.post(
            reverse("account_login"),
            {"login": f"nobody-{number}-{secrets.token_hex(3)}@example.org", "password": "guess"},
        )


def _signs_in(client: Client, email: str) -> bool:
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return "Too many failed login attempts" not in response.text and (
        "_auth_user_id" in client.session
    )


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip"})
def test_behind_the_proxy_one_attacker_locks_out_only_their_own_address(db):
    user = UserFactory(email=f"patient-{secrets.token_hex(4)}@example.org")
    _fail_sign_ins({"HTTP_X_FORWARDED_FOR": ATTACKER}, times=4)

    blocked = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert not _signs_in(blocked, user.email)
    # Another person behind the same proxy (the same REMOTE_ADDR) still signs in.
    assert _signs_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT), user.email)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0, ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip"})
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(db):
    user = UserFactory(email=f"patient-{secrets.token_hex(4)}@example.org")
    attacker_address = "203.0.113.77"
    _fail_sign_ins({"REMOTE_ADDR": attacker_address, "HTTP_X_FORWARDED_FOR": FORGED}, times=4)

    # The attacker claims yet another address: still the same connection address, still refused.
    retry = Client(REMOTE_ADDR=attacker_address, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert not _signs_in(retry, user.email)


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "recorded"),
    [(1, f"{FORGED}, {CLIENT}", CLIENT), (0, CLIENT, PROXY)],
    ids=["trusted-proxy", "no-trusted-proxy"],
)
def test_the_audit_log_records_the_clients_address(actors, proxy_count, forwarded_for, recorded):
    case = actors.case(Status.IN_REVIEW)
    coordinator = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    coordinator.force_login(actors.cora)
    before = AuditEvent.objects.count()

    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=proxy_count):
        response = coordinator.get(reverse("cases:case-detail", args=[case.reference]))

    assert response.status_code == 200
    events = AuditEvent.objects.order_by("pk")[before:]
    assert events and {event.ip for event in events} == {recorded}


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_referral_limits_count_each_client_behind_the_proxy_apart(actors, monkeypatch):
    monkeypatch.setattr("referrals.views.REFERRALS_PER_HOUR", 1)
    source = referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    link = referrals.source_path(source)
    referral = REFERRAL
    first = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    first.post(link, referral)
    again = first.post(link, {**referral, "patient_email": "zoe@example.org"})
    assert "Too many referrals" in again.text

    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {CLIENT}")
    response = other.post(link, {**referral, "patient_email": "yan@example.org"})

    assert "Too many referrals" not in response.text
