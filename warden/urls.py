from django.urls import include, path

urlpatterns = [
    path("", include("warden.core.urls")),
    path("sso/", include("warden.sso.urls")),
    path("people/import/", include("warden.people.import_urls")),
    path("people/", include("warden.people.urls")),
    path("accounts/", include("warden.accounts.urls")),
    path("agreements/", include("warden.agreements.urls")),
    path("filtering/", include("warden.monitoring.urls")),
    path("equipment/", include("warden.equipment.urls")),
    path("incidents/", include("warden.incidents.urls")),
    path("safeguarding/", include("warden.safeguarding.urls")),
    path("consent/", include("warden.consent.urls")),
    path("publication/", include("warden.publication.urls")),
    path("privacy/", include("warden.privacy.urls")),
    path("records/", include("warden.records.urls")),
    path("governance/", include("warden.governance.urls")),
    path("reports/", include("warden.reporting.urls")),
    path("remote-access/", include("warden.remoteaccess.urls")),
    path("api/v1/", include("warden.api.urls")),
]

handler403 = "warden.core.views.permission_denied"
handler404 = "warden.core.views.page_not_found"
