from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.case_create, name="case-create"),
    path("new/authority/", views.authority_new, name="authority-new"),
    path(
        "authorities/<int:authority_id>/document/",
        views.authority_document,
        name="authority-document",
    ),
    path("authorities/<int:authority_id>/revoke/", views.authority_revoke, name="authority-revoke"),
    path("<str:reference>/", views.case_detail, name="case-detail"),
    path("<str:reference>/intake/authority/", views.intake_authority, name="intake-authority"),
    path("<str:reference>/intake/<slug:step>/", views.intake_step, name="intake-step"),
    path("<str:reference>/continue/", views.intake_resume, name="intake-resume"),
    path("<str:reference>/check/", views.intake_check, name="intake-check"),
    path("<str:reference>/consent/", views.case_consent, name="case-consent"),
    path("<str:reference>/consent/withdraw/", views.withdraw_consent, name="consent-withdraw"),
    path("<str:reference>/coverage/", views.coverage_check, name="coverage-check"),
    path("<str:reference>/submit/", views.submit_case, name="case-submit"),
    path("<str:reference>/withdraw/", views.withdraw_case, name="case-withdraw"),
    path("<str:reference>/triage/", views.start_triage, name="case-start-triage"),
    path("<str:reference>/matching/", views.send_to_matching, name="case-send-to-matching"),
    path("<str:reference>/cancel/", views.cancel_case, name="case-cancel"),
]
