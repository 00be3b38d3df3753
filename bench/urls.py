"""The product's URLs plus the benchmarks' baseline: a bare view doing one indexed query."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cases.models import Case
from secondopinion.urls import urlpatterns as product_urlpatterns


def baseline(request: HttpRequest, reference: str) -> HttpResponse:
    """What any signed-in page costs at least: the middleware, a session, one indexed lookup."""
    status = Case.objects.filter(reference=reference).values_list("status", flat=True).first()
    return HttpResponse(f"{reference}: {status}", content_type="text/plain")


urlpatterns = [path("bench/baseline/<str:reference>/", baseline), *product_urlpatterns]
