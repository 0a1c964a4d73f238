"""URLs of the cockpit: reports (the proceedings, the report for sponsors)."""

from django.urls import path

from .views import reports

urlpatterns = [
    path("<slug:slug>/cockpit/rapports/", reports.reports, name="reports"),
    path("<slug:slug>/cockpit/rapports/generer/", reports.report_build, name="report_build"),
    path("<slug:slug>/cockpit/rapports/<int:pk>/telecharger/", reports.report_download, name="report_download"),
    # Public, no login: the published proceedings.
    path("<slug:slug>/public/actes.pdf", reports.public_proceedings, name="public_proceedings"),
]
