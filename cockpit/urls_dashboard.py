"""URLs of the cockpit: dashboard and statistics."""

from django.urls import path

from .views import dashboard, statistics

urlpatterns = [
    path("<slug:slug>/cockpit/", dashboard.dashboard, name="dashboard"),
    # A school's editions together ("ecole" is a reserved edition slug, as for the school's public page).
    path("ecole/<slug:school_slug>/statistiques/", statistics.statistics, name="statistics"),
]
