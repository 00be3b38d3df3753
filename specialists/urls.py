from django.urls import path

from . import views

app_name = "specialists"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile-edit"),
    path("profile/licences/add/", views.licence_add, name="licence-add"),
    path("profile/certifications/add/", views.certification_add, name="certification-add"),
    path("profile/affiliations/add/", views.affiliation_add, name="affiliation-add"),
    path("profile/relationships/add/", views.relationship_add, name="relationship-add"),
    path("profile/time-away/add/", views.unavailability_add, name="unavailability-add"),
    path("profile/conflicts/add/", views.conflict_declare, name="conflict-declare"),
    path("profile/remove/", views.profile_item_remove, name="profile-item-remove"),
    path("credentials/", views.credentials, name="credentials"),
    path("match/<str:reference>/", views.match, name="match"),
    path("match/<str:reference>/conflict/", views.case_conflict_add, name="case-conflict-add"),
    path(
        "match/<str:reference>/language/",
        views.match_language_waive,
        name="match-language-waive",
    ),
    path("offers/<str:reference>/accept/", views.offer_accept, name="offer-accept"),
    path("offers/<str:reference>/decline/", views.offer_decline, name="offer-decline"),
]
