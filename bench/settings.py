"""Settings for the page benchmarks: the real settings, plus a URLconf with the baseline view
and the test client's host name. Never used by the product."""

from secondopinion.settings import *  # noqa: F403
from secondopinion.settings import ALLOWED_HOSTS

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
