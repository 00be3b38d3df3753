"""The client's IP address, read the same way by sign-in limits, referral limits and the audit log.

Behind reverse proxies every connection comes from the last proxy, so REMOTE_ADDR names it, not
the client. allauth's settings say how far to believe forwarded headers:
ALLAUTH_TRUSTED_CLIENT_IP_HEADER (a header the proxy overwrites, e.g. X-Real-IP), or
ALLAUTH_TRUSTED_PROXY_COUNT (how many proxies of ours append to X-Forwarded-For). The client can
write X-Forwarded-For too, so only the entries our proxies appended (the right-most `count`) are
believed; anything further left is the client's own claim and is ignored.
"""

import ipaddress

from allauth import app_settings as allauth_settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent `request`, or None when it is not an IP address."""
    if header := allauth_settings.TRUSTED_CLIENT_IP_HEADER:
        # Without it the request did not come through the proxy (a health check from the host,
        # say): the connection's own address.
        return _clean(request.headers.get(header) or request.META.get("REMOTE_ADDR", ""))
    count = allauth_settings.TRUSTED_PROXY_COUNT
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    hops = [hop for hop in hops if hop]
    if count > 0 and hops:
        # The right-most entry was appended by our last proxy, the one before by the proxy before
        # it, and so on: the `count`-th from the right is the first address no proxy of ours is.
        # A list shorter than `count` came through fewer proxies; its left-most entry is still
        # one that a proxy of ours appended.
        return _clean(hops[-min(count, len(hops))])
    return _clean(request.META.get("REMOTE_ADDR", ""))


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
