"""Second Opinion: project package (settings, URLs, Celery app) and the platform-wide apps."""

from .celery import app as celery_app

__all__ = ("celery_app",)
