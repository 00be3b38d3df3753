"""Settings of the two-node test's processes: the test settings, with static files served by
WhiteNoise from the finders (the nodes serve the pages' scripts and styles themselves)."""

from tests.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
