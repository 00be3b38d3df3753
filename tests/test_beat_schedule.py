"""The beat schedule lives with the Celery app, not in settings, and names only real tasks."""

from django.conf import settings

from secondopinion.celery import BEAT_SCHEDULE
from secondopinion.celery import app as celery_app


def test_beat_reads_the_schedule_the_celery_app_declares():
    assert celery_app.conf.beat_schedule == BEAT_SCHEDULE
    assert not hasattr(settings, "CELERY_BEAT_SCHEDULE")


def test_every_scheduled_task_is_a_registered_task():
    celery_app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them

    missing = {entry["task"] for entry in BEAT_SCHEDULE.values()} - set(celery_app.tasks)

    assert missing == set()
