"""The beat schedule lives with the Celery app, not in settings, and names only real tasks."""

import pytest
from django.conf import settings

from secondopinion.celery import BEAT_SCHEDULE
from secondopinion.celery import app as celery_app


def test_beat_reads_the_schedule_the_celery_app_declares():
    assert celery_app.conf.beat_schedule == BEAT_SCHEDULE
    assert not hasattr(settings, "CELERY_BEAT_SCHEDULE")


# Loading the tasks as a worker does runs Django's system checks (Celery's Django fixup), and on
# SQLite the JSON fields' check asks the database unless an earlier test already had it asked:
# the test may read the database, so that it passes in any order.
@pytest.mark.django_db
def test_every_scheduled_task_is_a_registered_task():
    celery_app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them

    missing = {entry["task"] for entry in BEAT_SCHEDULE.values()} - set(celery_app.tasks)

    assert missing == set()
