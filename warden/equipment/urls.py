from django.urls import path

from warden.equipment import exports, import_views
from warden.equipment.views import (
    assets,
    class_sets,
    devices,
    disposal,
    loans,
    losses,
    software,
    stocktakes,
)

app_name = "equipment"

urlpatterns = [
    # the register, labels and scanning
    path("", assets.asset_list, name="asset_list"),
    path("export.csv", exports.asset_export, {"fmt": "csv"}, name="assets_csv"),
    path("export.xlsx", exports.asset_export, {"fmt": "xlsx"}, name="assets_xlsx"),
    path("assets/new/", assets.asset_create, name="asset_create"),
    path("assets/<int:asset_pk>/", assets.asset_detail, name="asset_detail"),
    path("assets/<int:asset_pk>/edit/", assets.asset_edit, name="asset_edit"),
    path("assets/<int:asset_pk>/state/", assets.asset_state, name="asset_state"),
    path("assets/<int:asset_pk>/label.svg", assets.asset_label, name="asset_label"),
    path("assets/<int:asset_pk>/check-out/", loans.loan_check_out, name="loan_check_out"),
    path("assets/<int:asset_pk>/lost/", losses.loss_create, name="loss_create"),
    path("assets/<int:asset_pk>/found/", losses.asset_found, name="asset_found"),
    path(
        "assets/<int:asset_pk>/off-site-exception/",
        loans.off_site_exception,
        name="off_site_exception",
    ),
    path("settings/", loans.equipment_settings, name="settings"),
    path("labels/", assets.labels, name="labels"),
    path("scan/", assets.scan, name="scan"),
    # loans
    path("loans/", loans.loan_list, name="loan_list"),
    path("loans/export.csv", exports.loan_export, {"fmt": "csv"}, name="loans_csv"),
    path("loans/export.xlsx", exports.loan_export, {"fmt": "xlsx"}, name="loans_xlsx"),
    path("loans/<int:loan_pk>/", loans.loan_detail, name="loan_detail"),
    path("loans/<int:loan_pk>/accept/", loans.loan_accept, name="loan_accept"),
    path("loans/<int:loan_pk>/link/", loans.loan_link, name="loan_link"),
    path("loans/<int:loan_pk>/check-in/", loans.loan_check_in, name="loan_check_in"),
    path("loans/<int:loan_pk>/cancel/", loans.loan_cancel, name="loan_cancel"),
    path("loans/<int:loan_pk>/permit/", loans.loan_permit, name="loan_permit"),
    path("loans/<int:loan_pk>/refuse/", loans.loan_refuse, name="loan_refuse"),
    path("loans/<int:loan_pk>/write-off/", loans.loan_write_off, name="loan_write_off"),
    path("accept/<str:token>/", loans.accept_public, name="accept_public"),
    # class sets
    path("class-sets/", class_sets.class_set_list, name="class_set_list"),
    path("class-sets/<int:class_set_pk>/", class_sets.class_set_detail, name="class_set_detail"),
    path(
        "class-sets/<int:class_set_pk>/assets/",
        class_sets.class_set_assets,
        name="class_set_assets",
    ),
    path(
        "class-sets/<int:class_set_pk>/check-out/",
        class_sets.class_set_check_out,
        name="class_set_check_out",
    ),
    path("set-loans/<int:set_loan_pk>/", class_sets.set_loan_detail, name="set_loan_detail"),
    path(
        "set-loans/<int:set_loan_pk>/check-in/",
        class_sets.set_loan_check_in,
        name="set_loan_check_in",
    ),
    # stocktakes
    path("stocktakes/", stocktakes.stocktake_overview, name="stocktake_overview"),
    path("locations/new/", stocktakes.location_create, name="location_create"),
    path("locations/<int:location_pk>/plan/", stocktakes.location_plan, name="location_plan"),
    path(
        "locations/<int:location_pk>/stocktake/", stocktakes.stocktake_start, name="stocktake_start"
    ),
    path("stocktakes/<int:stocktake_pk>/", stocktakes.stocktake_detail, name="stocktake_detail"),
    path("stocktakes/<int:stocktake_pk>/mark/", stocktakes.stocktake_mark, name="stocktake_mark"),
    path(
        "stocktakes/<int:stocktake_pk>/complete/",
        stocktakes.stocktake_complete,
        name="stocktake_complete",
    ),
    # loss and theft
    path("lost/", losses.loss_list, name="loss_list"),
    path("lost/<int:loss_pk>/", losses.loss_detail, name="loss_detail"),
    path(
        "breaches/<int:breach_pk>/acknowledge/",
        losses.breach_acknowledge,
        name="breach_acknowledge",
    ),
    # disposal
    path("disposal/", disposal.disposal_list, name="disposal_list"),
    path("disposal/companies/new/", disposal.company_create, name="company_create"),
    path(
        "disposal/companies/<int:company_pk>/approve/",
        disposal.company_approve,
        name="company_approve",
    ),
    path("disposal/batches/new/", disposal.batch_create, name="batch_create"),
    path("disposal/<int:disposal_pk>/", disposal.disposal_detail, name="disposal_detail"),
    path("disposal/<int:disposal_pk>/add/", disposal.disposal_add, name="disposal_add"),
    path(
        "disposal/<int:disposal_pk>/remove/<int:asset_pk>/",
        disposal.disposal_remove,
        name="disposal_remove",
    ),
    path(
        "disposal/<int:disposal_pk>/complete/",
        disposal.disposal_complete,
        name="disposal_complete",
    ),
    path(
        "disposal/<int:disposal_pk>/certificate/",
        disposal.disposal_certificate,
        name="disposal_certificate",
    ),
    # software
    path("software/", software.product_list, name="product_list"),
    path("software/new/", software.product_create, name="product_create"),
    path("software/<int:product_pk>/", software.product_detail, name="product_detail"),
    path("software/<int:product_pk>/edit/", software.product_edit, name="product_edit"),
    path("software/requests/", software.install_request_list, name="install_request_list"),
    path(
        "software/requests/<int:install_request_pk>/decide/",
        software.install_request_decide,
        name="install_request_decide",
    ),
    path(
        "software/requests/<int:install_request_pk>/done/",
        software.install_request_done,
        name="install_request_done",
    ),
    # personal devices, pupils' phones, guest Wi-Fi
    path("devices/", devices.device_list, name="device_list"),
    path("devices/<int:device_request_pk>/decide/", devices.device_decide, name="device_decide"),
    path("devices/<int:device_request_pk>/set-up/", devices.device_set_up, name="device_set_up"),
    path("devices/<int:device_request_pk>/revoke/", devices.device_revoke, name="device_revoke"),
    path("phones/", devices.phone_list, name="phone_list"),
    path("phones/<int:phone_request_pk>/decide/", devices.phone_decide, name="phone_decide"),
    path("phones/<int:phone_request_pk>/hand-in/", devices.phone_hand_in, name="phone_hand_in"),
    path("phones/collect/<int:hand_in_pk>/", devices.phone_collect, name="phone_collect"),
    path("wifi/", devices.wifi_list, name="wifi_list"),
    path("wifi/<int:wifi_pk>/end/", devices.wifi_end, name="wifi_end"),
    # imports
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<int:import_pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:import_pk>/apply/", import_views.import_apply, name="import_apply"),
]
