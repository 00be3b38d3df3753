from django.urls import path

from . import coordinator_views

app_name = "coordinator"

urlpatterns = [
    path("search/", coordinator_views.case_search, name="search"),
    path("metrics/", coordinator_views.metrics_page, name="metrics"),
    path("deletions/", coordinator_views.deletion_requests, name="deletion-requests"),
    path(
        "deletions/<str:reference>/decide/",
        coordinator_views.deletion_decide,
        name="deletion-decide",
    ),
    path("metrics.csv", coordinator_views.metrics_export, name="metrics-export"),
    path(
        "cases/<str:reference>/case.fhir.json",
        coordinator_views.case_fhir_export,
        name="case-fhir-export",
    ),
]
