"""/healthz reports reachability only."""

from django.urls import reverse


def test_healthz_is_ok_when_database_broker_and_storage_answer(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}


def test_healthz_is_503_when_a_dependency_fails(client, db, monkeypatch):
    from secondopinion import health

    def broken():
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
