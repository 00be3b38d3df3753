from django.urls import path

from . import coordinator_views, views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.case_create, name="case-create"),
    path("new/authority/", views.authority_new, name="authority-new"),
    path("queue/", coordinator_views.home, name="queue"),
    path("queue/bulk/", coordinator_views.queue_bulk, name="queue-bulk"),
    path(
        "authorities/<int:authority_id>/document/",
        views.authority_document,
        name="authority-document",
    ),
    path("authorities/<int:authority_id>/revoke/", views.authority_revoke, name="authority-revoke"),
    path("shared/<str:token>/", views.report_share, name="report-share"),
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
    path("<str:reference>/questions/ask/", views.information_request, name="information-request"),
    path("<str:reference>/questions/answer/", views.information_answer, name="information-answer"),
    path("<str:reference>/opinion/", views.opinion_edit, name="opinion-edit"),
    path("<str:reference>/opinion/return/", views.return_opinion, name="opinion-return"),
    path("<str:reference>/opinion/deliver/", views.deliver_opinion, name="opinion-deliver"),
    path("<str:reference>/messages/", views.case_messages, name="case-messages"),
    path("<str:reference>/follow-ups/ask/", views.follow_up_ask, name="follow-up-ask"),
    path(
        "<str:reference>/follow-ups/<int:follow_up_id>/answer/",
        views.follow_up_answer,
        name="follow-up-answer",
    ),
    path("<str:reference>/reports/share/", views.report_share_create, name="report-share-create"),
    path("<str:reference>/reports/<int:version>/", views.report_download, name="report-download"),
]
