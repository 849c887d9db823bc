from django.urls import path

from warden.agreements import exports, views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="agreement_create"),
    path("starters/", views.starters_install, name="starters_install"),
    path("settings/", views.agreement_settings, name="settings"),
    path("<int:agreement_pk>/", views.agreement_detail, name="agreement_detail"),
    path("<int:agreement_pk>/versions/new/", views.version_create, name="version_create"),
    path("<int:agreement_pk>/signers/", views.signers, name="signers"),
    path(
        "<int:agreement_pk>/signers/export.csv",
        exports.signer_export,
        {"fmt": "csv"},
        name="signers_csv",
    ),
    path(
        "<int:agreement_pk>/signers/export.xlsx",
        exports.signer_export,
        {"fmt": "xlsx"},
        name="signers_xlsx",
    ),
    path("<int:agreement_pk>/send/", views.send_links, name="send_links"),
    path("<int:agreement_pk>/countersign/", views.countersign_links, name="countersign_links"),
    path("<int:agreement_pk>/sheet/", views.qr_sheet, name="qr_sheet"),
    path("versions/<int:version_pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:version_pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:version_pk>/publish/", views.version_publish, name="version_publish"),
    path("people/<int:person_pk>/desk/", views.desk_sign, name="desk_sign"),
    path("people/<int:person_pk>/paper/", views.paper_record, name="paper_record"),
    path("people/<int:person_pk>/link/", views.person_link, name="person_link"),
    path("signatures/<int:signature_pk>/", views.signature_detail, name="signature_detail"),
    path("signatures/<int:signature_pk>/scan/", views.signature_scan, name="signature_scan"),
    path(
        "signatures/<int:signature_pk>/countersign/",
        views.countersign_desk,
        name="countersign_desk",
    ),
    path(
        "signatures/<int:signature_pk>/countersign/link/",
        views.countersign_link,
        name="countersign_link",
    ),
    # Public: reached by a one-time token, without signing in.
    path("sign/<str:token>/", views.public_sign, name="public_sign"),
]
