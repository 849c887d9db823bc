from django.urls import path

from warden.accounts import exports, views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("export.csv", exports.account_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", exports.account_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("request/", views.account_request, name="account_request"),
    path("bulk/", views.accounts_bulk, name="bulk"),
    path("chosen/", views.accounts_chosen, name="chosen"),
    path("<int:account_pk>/", views.account_detail, name="account_detail"),
    path("<int:account_pk>/approve/", views.account_approve, name="account_approve"),
    path("<int:account_pk>/activate/", views.account_activate, name="account_activate"),
    path("<int:account_pk>/suspend/", views.account_suspend, name="account_suspend"),
    path("<int:account_pk>/re-enable/", views.account_reenable, name="account_reenable"),
    path("<int:account_pk>/disable/", views.account_disable, name="account_disable"),
    path("<int:account_pk>/delete/", views.account_delete, name="account_delete"),
    path("<int:account_pk>/expiry/", views.account_expiry, name="account_expiry"),
    path("systems/", views.system_list, name="system_list"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<int:system_pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:system_pk>/edit/", views.system_edit, name="system_edit"),
    path(
        "systems/<int:system_pk>/remote-staff/",
        views.system_remote_people,
        name="system_remote_people",
    ),
    path("systems/<int:system_pk>/export.csv", views.system_export, name="system_export"),
    path(
        "systems/<int:system_pk>/supply-password/",
        views.supply_password_record,
        name="supply_password_record",
    ),
    path("systems/<int:system_pk>/sync/", views.sync_preview, name="sync_preview"),
    path("syncs/<int:sync_pk>/", views.sync_detail, name="sync_detail"),
    path("syncs/<int:sync_pk>/apply/", views.sync_apply, name="sync_apply"),
    path("leavers/", views.leavers, name="leavers"),
    path("leavers/export.csv", exports.leaver_export, {"fmt": "csv"}, name="leavers_csv"),
    path("leavers/export.xlsx", exports.leaver_export, {"fmt": "xlsx"}, name="leavers_xlsx"),
    path("leavers/<int:person_pk>/complete/", views.leaver_complete, name="leaver_complete"),
    path(
        "leavers/<int:person_pk>/disable-all/",
        views.leaver_disable_all,
        name="leaver_disable_all",
    ),
    path("suspensions/", views.suspensions, name="suspensions"),
    path("suspensions/suspend/", views.suspensions_apply, name="suspensions_apply"),
    path(
        "suspensions/by-hand/<int:task_pk>/done/",
        views.hand_suspension_done,
        name="hand_suspension_done",
    ),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/systems/<int:system_pk>/", views.review_system, name="review_system"),
    path("reviews/<int:review_pk>/", views.review_detail, name="review_detail"),
    path("settings/", views.accounts_settings, name="settings"),
    path(
        "settings/second-factor/",
        views.second_factor_exemptions,
        name="second_factor_exemptions",
    ),
    path("settings/tokens/", views.token_create, name="token_create"),
    path("settings/tokens/<int:token_pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("password-check/", views.password_check_page, name="password_check"),
]
