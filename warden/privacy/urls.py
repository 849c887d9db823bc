from django.urls import URLPattern, URLResolver, path

from warden.privacy.views import breaches, registers

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("breaches/", breaches.breach_list, name="breach_list"),
    path("breaches/new/", breaches.breach_open, name="breach_open"),
    path("breaches/<int:data_breach_pk>/", breaches.breach_detail, name="breach_detail"),
    path("breaches/<int:data_breach_pk>/aware/", breaches.breach_aware, name="breach_aware"),
    path("breaches/<int:data_breach_pk>/assess/", breaches.breach_assess, name="breach_assess"),
    path("breaches/<int:data_breach_pk>/decide/", breaches.breach_decide, name="breach_decide"),
    path("breaches/<int:data_breach_pk>/inform/", breaches.breach_inform, name="breach_inform"),
    path(
        "breaches/<int:data_breach_pk>/actions/",
        breaches.breach_action_add,
        name="breach_action_add",
    ),
    path("breaches/<int:data_breach_pk>/note/", breaches.breach_note, name="breach_note"),
    path("breaches/<int:data_breach_pk>/close/", breaches.breach_close, name="breach_close"),
    path(
        "breach-actions/<int:data_breach_action_pk>/done/",
        breaches.breach_action_done,
        name="breach_action_done",
    ),
    path("processors/", registers.processor_list, name="processor_list"),
    path("processors/<int:system_pk>/", registers.processor_detail, name="processor_detail"),
    path(
        "processors/<int:system_pk>/approve/",
        registers.processor_approve,
        name="processor_approve",
    ),
    path("processors/<int:system_pk>/override/", registers.override_grant, name="override_grant"),
    path(
        "processor-records/<int:processor_record_pk>/contract/",
        registers.processor_file,
        {"which": "dpa"},
        name="processor_contract",
    ),
    path(
        "processor-records/<int:processor_record_pk>/dpia/",
        registers.processor_file,
        {"which": "dpia"},
        name="processor_dpia",
    ),
    path("media/", registers.media_list, name="media_list"),
    path("media/<int:removable_pk>/wipe/", registers.media_wipe, name="media_wipe"),
    path("off-site/", registers.off_site_list, name="off_site_list"),
    path("off-site/<int:off_site_pk>/revoke/", registers.off_site_revoke, name="off_site_revoke"),
]
