from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.case_create, name="case-create"),
    path("queue/", views.queue, name="queue"),
    path("<str:reference>/", views.case_detail, name="case-detail"),
    path("<str:reference>/edit/", views.case_edit, name="case-edit"),
    path("<str:reference>/submit/", views.submit_case, name="case-submit"),
    path("<str:reference>/withdraw/", views.withdraw_case, name="case-withdraw"),
    path("<str:reference>/triage/", views.start_triage, name="case-start-triage"),
    path("<str:reference>/matching/", views.send_to_matching, name="case-send-to-matching"),
    path("<str:reference>/offer/", views.offer_case, name="case-offer"),
    path("<str:reference>/cancel/", views.cancel_case, name="case-cancel"),
    path("<str:reference>/offer/accept/", views.accept_offer, name="offer-accept"),
    path("<str:reference>/offer/decline/", views.decline_offer, name="offer-decline"),
    path("<str:reference>/opinion/", views.opinion_edit, name="opinion-edit"),
    path("<str:reference>/opinion/return/", views.return_opinion, name="opinion-return"),
    path("<str:reference>/opinion/deliver/", views.deliver_opinion, name="opinion-deliver"),
    path("<str:reference>/reports/<int:version>/", views.report_download, name="report-download"),
]
