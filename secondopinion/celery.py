"""The Celery application; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondopinion.settings")

app = Celery("secondopinion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="secondopinion.ping", ignore_result=False)
def ping() -> str:
    """Answers "pong": shows a worker is consuming (tests wait on it before they start)."""
    return "pong"
