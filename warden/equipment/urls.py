from django.urls import path

from warden.equipment import import_views, views, views_more

app_name = "equipment"

urlpatterns = [
    # the register, labels and scanning
    path("", views.asset_list, name="asset_list"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/<int:asset_pk>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:asset_pk>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<int:asset_pk>/state/", views.asset_state, name="asset_state"),
    path("assets/<int:asset_pk>/label.svg", views.asset_label, name="asset_label"),
    path("assets/<int:asset_pk>/check-out/", views.loan_check_out, name="loan_check_out"),
    path("assets/<int:asset_pk>/lost/", views.loss_create, name="loss_create"),
    path("assets/<int:asset_pk>/found/", views.asset_found, name="asset_found"),
    path(
        "assets/<int:asset_pk>/off-site-exception/",
        views.off_site_exception,
        name="off_site_exception",
    ),
    path("settings/", views.equipment_settings, name="settings"),
    path("labels/", views.labels, name="labels"),
    path("scan/", views.scan, name="scan"),
    # loans
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/<int:loan_pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:loan_pk>/accept/", views.loan_accept, name="loan_accept"),
    path("loans/<int:loan_pk>/link/", views.loan_link, name="loan_link"),
    path("loans/<int:loan_pk>/check-in/", views.loan_check_in, name="loan_check_in"),
    path("loans/<int:loan_pk>/cancel/", views.loan_cancel, name="loan_cancel"),
    path("loans/<int:loan_pk>/permit/", views.loan_permit, name="loan_permit"),
    path("loans/<int:loan_pk>/refuse/", views.loan_refuse, name="loan_refuse"),
    path("loans/<int:loan_pk>/write-off/", views.loan_write_off, name="loan_write_off"),
    path("accept/<str:token>/", views.accept_public, name="accept_public"),
    # class sets
    path("class-sets/", views.class_set_list, name="class_set_list"),
    path("class-sets/<int:class_set_pk>/", views.class_set_detail, name="class_set_detail"),
    path("class-sets/<int:class_set_pk>/assets/", views.class_set_assets, name="class_set_assets"),
    path(
        "class-sets/<int:class_set_pk>/check-out/",
        views.class_set_check_out,
        name="class_set_check_out",
    ),
    path("set-loans/<int:set_loan_pk>/", views.set_loan_detail, name="set_loan_detail"),
    path(
        "set-loans/<int:set_loan_pk>/check-in/", views.set_loan_check_in, name="set_loan_check_in"
    ),
    # stocktakes
    path("stocktakes/", views.stocktake_overview, name="stocktake_overview"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<int:location_pk>/plan/", views.location_plan, name="location_plan"),
    path("locations/<int:location_pk>/stocktake/", views.stocktake_start, name="stocktake_start"),
    path("stocktakes/<int:stocktake_pk>/", views.stocktake_detail, name="stocktake_detail"),
    path("stocktakes/<int:stocktake_pk>/mark/", views.stocktake_mark, name="stocktake_mark"),
    path(
        "stocktakes/<int:stocktake_pk>/complete/",
        views.stocktake_complete,
        name="stocktake_complete",
    ),
    # loss and theft
    path("lost/", views.loss_list, name="loss_list"),
    path("lost/<int:loss_pk>/", views.loss_detail, name="loss_detail"),
    path(
        "breaches/<int:breach_pk>/acknowledge/",
        views.breach_acknowledge,
        name="breach_acknowledge",
    ),
    # disposal
    path("disposal/", views_more.disposal_list, name="disposal_list"),
    path("disposal/companies/new/", views_more.company_create, name="company_create"),
    path(
        "disposal/companies/<int:company_pk>/approve/",
        views_more.company_approve,
        name="company_approve",
    ),
    path("disposal/batches/new/", views_more.batch_create, name="batch_create"),
    path("disposal/<int:disposal_pk>/", views_more.disposal_detail, name="disposal_detail"),
    path("disposal/<int:disposal_pk>/add/", views_more.disposal_add, name="disposal_add"),
    path(
        "disposal/<int:disposal_pk>/remove/<int:asset_pk>/",
        views_more.disposal_remove,
        name="disposal_remove",
    ),
    path(
        "disposal/<int:disposal_pk>/complete/",
        views_more.disposal_complete,
        name="disposal_complete",
    ),
    path(
        "disposal/<int:disposal_pk>/certificate/",
        views_more.disposal_certificate,
        name="disposal_certificate",
    ),
    # software
    path("software/", views_more.product_list, name="product_list"),
    path("software/new/", views_more.product_create, name="product_create"),
    path("software/<int:product_pk>/", views_more.product_detail, name="product_detail"),
    path("software/<int:product_pk>/edit/", views_more.product_edit, name="product_edit"),
    path("software/requests/", views_more.install_request_list, name="install_request_list"),
    path(
        "software/requests/<int:install_request_pk>/decide/",
        views_more.install_request_decide,
        name="install_request_decide",
    ),
    path(
        "software/requests/<int:install_request_pk>/done/",
        views_more.install_request_done,
        name="install_request_done",
    ),
    # personal devices, pupils' phones, guest Wi-Fi
    path("devices/", views_more.device_list, name="device_list"),
    path("devices/<int:device_request_pk>/decide/", views_more.device_decide, name="device_decide"),
    path("devices/<int:device_request_pk>/set-up/", views_more.device_set_up, name="device_set_up"),
    path("devices/<int:device_request_pk>/revoke/", views_more.device_revoke, name="device_revoke"),
    path("phones/", views_more.phone_list, name="phone_list"),
    path("phones/<int:phone_request_pk>/decide/", views_more.phone_decide, name="phone_decide"),
    path("phones/<int:phone_request_pk>/hand-in/", views_more.phone_hand_in, name="phone_hand_in"),
    path("phones/collect/<int:hand_in_pk>/", views_more.phone_collect, name="phone_collect"),
    path("wifi/", views_more.wifi_list, name="wifi_list"),
    path("wifi/<int:wifi_pk>/end/", views_more.wifi_end, name="wifi_end"),
    # imports
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<int:import_pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:import_pk>/apply/", import_views.import_apply, name="import_apply"),
]
