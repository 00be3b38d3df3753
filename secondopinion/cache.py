"""The Redis cache, made to degrade instead of failing a request when Redis is unreachable.

Sign-in and password-reset attempt limits (allauth), used TOTP codes and the referral limits live
in the cache. With Redis down each call goes to this process's own memory instead, with one
warning that names no key and no value, and Redis is tried again a few seconds later: sign-in
keeps working, and its limits still count per process until Redis is back.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# After a failure, calls go straight to memory for this long: a request makes several cache calls
# and must not wait for Redis on each one.
RETRY_AFTER_SECONDS = 5.0
# Until when Redis is thought down, per LOCATION, shared by every thread of the process.
_down_until: dict[str, float] = {}


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = str(server)
        self._fallback = LocMemCache(
            f"redis-fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= _down_until.get(self._location, 0.0):
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_UNAVAILABLE as error:
                _down_until[self._location] = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning(
                    "Cache unavailable (%s); using this process's memory for %.0f s",
                    type(error).__name__,
                    RETRY_AFTER_SECONDS,
                )
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
