"""WSGI entry point (gunicorn secondopinion.wsgi)."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondopinion.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Load, before the first request, what a request that enqueues its first task would load:
    the task modules, the task registry (Celery's app finalized), the broker's client library
    (Redis), the result backend's object and libmagic's database. Otherwise the request that
    finishes a worker's first upload pays about half a second for it (bench/tus_bench.py: a last
    PATCH of 0.6-0.75 s where the others took 0.1 s). Imports and objects only: no connection is
    opened here (nothing to fail when the broker is down at start)."""
    try:
        import magic

        from secondopinion.celery import app

        app.loader.import_default_modules()
        app.finalize(auto=True)
        _ = app.amqp, app.connection_for_write().transport  # imports the client, no I/O
        _ = app.backend  # made, not connected
        magic.from_buffer(b"%PDF-1.4\n", mime=True)
    except Exception:  # a warm-up, never a reason for a worker not to start
        logging.getLogger(__name__).warning("Warming up the web worker failed", exc_info=True)


_warm_up()
