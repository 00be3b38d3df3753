from django.urls import path

from . import views

app_name = "coordinator"

urlpatterns = [
    path("queue/", views.home, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue-bulk"),
    path("search/", views.case_search, name="search"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("deletions/", views.deletion_requests, name="deletion-requests"),
    path(
        "deletions/<str:reference>/decide/",
        views.deletion_decide,
        name="deletion-decide",
    ),
    path("specialty-fields/", views.specialty_fields, name="specialty-fields"),
    path(
        "specialty-fields/<int:pk>/remove/",
        views.specialty_field_remove,
        name="specialty-field-remove",
    ),
    path("metrics.csv", views.metrics_export, name="metrics-export"),
    path("outcomes.csv", views.outcomes_export, name="outcomes-export"),
    path(
        "cases/<str:reference>/case.fhir.json",
        views.case_fhir_export,
        name="case-fhir-export",
    ),
]
