"""The Celery application: configuration from Django settings (CELERY_* names), and the beat
schedule, which is the app's wiring rather than configuration (the composition root names each
app's periodic tasks; every one is idempotent, so a missed or doubled run does no harm)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondopinion.settings")

app = Celery("secondopinion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE = {
    # The one outbox's catch-up: every email any app queued that no worker sent yet.
    "send-pending-emails": {
        "task": "secondopinion.notifications.tasks.send_pending_emails",
        "schedule": 60.0,
    },
    "render-missing-reports": {"task": "review.tasks.render_missing_reports", "schedule": 60.0},
    "catch-up-records": {"task": "records.tasks.catch_up_records", "schedule": 120.0},
    "remind-records-requests": {
        "task": "records.tasks.remind_records_requests",
        "schedule": 3600.0,
    },
    "remove-expired-uploads": {"task": "records.tasks.remove_expired_uploads", "schedule": 3600.0},
    "expire-overdue-offers": {"task": "specialists.tasks.expire_overdue_offers", "schedule": 60.0},
    "close-after-follow-up-window": {
        "task": "review.tasks.close_cases_after_follow_up_window",
        "schedule": 3600.0,
    },
    "send-sla-alerts": {"task": "backoffice.tasks.send_sla_alerts", "schedule": 3600.0},
    "forget-expired-referrals": {
        "task": "referrals.tasks.forget_expired_referrals",
        "schedule": 3600.0,
    },
    "forget-old-form-drafts": {"task": "cases.tasks.forget_old_form_drafts", "schedule": 3600.0},
    "refresh-metrics": {"task": "backoffice.tasks.refresh_metrics", "schedule": 120.0},
    "open-due-check-ins": {"task": "outcomes.tasks.open_due_check_ins", "schedule": 3600.0},
    "catch-up-authority-scans": {
        "task": "cases.tasks.catch_up_authority_scans",
        "schedule": 120.0,
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE


@app.task(name="secondopinion.ping", ignore_result=False)
def ping() -> str:
    """Answers "pong": shows a worker is consuming (tests wait on it before they start)."""
    return "pong"
