from django.urls import path

from warden.safeguarding import views

app_name = "safeguarding"

urlpatterns = [
    path("", views.concern_list, name="list"),
    path("new/", views.concern_new, name="new"),
    path("report/", views.concern_report, name="report"),
    path("from-triage/", views.concern_from_triage, name="concern_from_triage"),
    path("settings/", views.safeguarding_settings, name="settings"),
    path("<int:concern_pk>/", views.concern_detail, name="detail"),
    path("<int:concern_pk>/assessment/", views.concern_assess, name="assess"),
    path("<int:concern_pk>/actions/", views.concern_actions, name="actions"),
    path("<int:concern_pk>/referrals/", views.referral_add, name="referral_add"),
    path("<int:concern_pk>/notes/", views.note_add, name="note_add"),
    path("<int:concern_pk>/link/", views.concern_link, name="link"),
    path("<int:concern_pk>/access/", views.access_add, name="access_add"),
    path("<int:concern_pk>/close/", views.concern_close, name="close"),
    path("<int:concern_pk>/chronology.pdf", views.concern_pdf, name="pdf"),
    path("<int:concern_pk>/chronology.csv", views.concern_csv, name="csv"),
    path("steps/<int:concern_step_pk>/done/", views.step_done, name="step_done"),
    path("access/<int:concern_access_pk>/remove/", views.access_remove, name="access_remove"),
]
