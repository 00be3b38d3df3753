"""Response headers Django has no setting for.

- Permissions-Policy: the browser features this app never uses are switched off for every page.
- Cross-Origin-Resource-Policy: same-origin on every response, static files too, so that no
  other site can embed a page, a record or a report of ours (the middleware runs first).
- Cache-Control: no-store, private on everything the app's views answer (pages, records,
  reports, export ZIPs, link holders' downloads): health information is never kept by a shared
  cache or left in a browser's cache after sign-out. Static files are answered before this
  middleware (WhiteNoise) and keep their long cache lifetimes.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"
# Browser features no page uses (uploads use plain file inputs; no camera, location or payment).
PERMISSIONS_POLICY_DISABLED = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
)


def permissions_policy_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    policy = ", ".join(f"{feature}=()" for feature in PERMISSIONS_POLICY_DISABLED)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", policy)
        return response

    return middleware


def cross_origin_resource_policy_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        return response

    return middleware


def no_store_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        # A view that already forbids storing keeps its own words; any laxer value is replaced.
        if "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = NO_STORE
        return response

    return middleware
