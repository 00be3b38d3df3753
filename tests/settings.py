"""Test settings: the real settings module, with a private broker queue and quick hashing.

Environment variables are set before the real module reads them, so that a Celery worker started
by the tests (which inherits this environment) uses the same queue, and a worker from `make run`
never takes a test's task.
"""

import os
import uuid
from pathlib import Path

# One id per pytest run, shared by its xdist workers; each worker (gw0, gw1, ...) then gets a slot
# of its own: its own queue, folders and test database. A Celery worker a test starts inherits
# the slot and so the same values (or the ones the test set for it, such as EMAIL_FILE_PATH).
_run = os.environ.setdefault("SECONDOPINION_TEST_RUN", uuid.uuid4().hex[:12])
_slot = f"{_run}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
_var = Path(__file__).resolve().parent.parent / "var"
if os.environ.get("SECONDOPINION_TEST_SLOT") != _slot:
    os.environ["SECONDOPINION_TEST_SLOT"] = _slot
    os.environ["CELERY_QUEUE"] = f"secondopinion-test-{_slot}"
    os.environ["CELERY_QUEUE_DIR"] = str(_var / "test-celery" / _slot)
    os.environ["EMAIL_FILE_PATH"] = str(_var / "test-mail" / _slot)
    os.environ["MEDIA_ROOT"] = str(_var / "test-media" / _slot)

from secondopinion.settings import *  # noqa: E402, F403
from secondopinion.settings import env, mailer  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {
    "default": mailer(
        env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
    )
}
# Each run and xdist worker its own cache keys in a shared Redis (rate counts, refresh locks).
CACHES["default"]["KEY_PREFIX"] = f"test-{_slot}"  # noqa: F405
# Allauth rate limits would trip over the many sign-ins a test run makes.
ACCOUNT_RATE_LIMITS = False
# The test client builds a handler per client; WhiteNoise scanning every npm asset each time costs
# ~0.8 s. Tests reach static files through the live server's own static handler instead.
WHITENOISE_USE_FINDERS = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Each run its own file, so two runs on one machine never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_var / f"test-{_slot}.sqlite3")}  # noqa: F405
else:
    # On PostgreSQL too: two runs at once (two engineers, or a run and a benchmark) never drop
    # each other's test database.
    _name = f"test_{DATABASES['default']['NAME']}_{_slot.replace('-', '_')}"  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": _name}  # noqa: F405
    # A commit in the tests does not wait for the disk: no test outlives a crash of the database
    # server, and the flush after each browser test (a TRUNCATE of every table) and each commit
    # of the live server, workers and web nodes waited for it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
