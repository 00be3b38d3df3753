"""A case's message thread, under /cases/<reference>/messages/."""

from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("<str:reference>/messages/", views.case_messages, name="case-messages"),
]
