from django.urls import URLPattern, URLResolver, path

from warden.reporting import views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("governors/", views.governors_report, name="governors"),
    path("governors.pdf", views.governors_report_pdf, name="governors_pdf"),
    path("trust/", views.trust_report_page, name="trust"),
    path("trust.pdf", views.trust_report_pdf, name="trust_pdf"),
    path("terms/", views.term_calendar, name="terms"),
]
