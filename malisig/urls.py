from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("aide/", views.help_page, name="help"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("comptes/", include("allauth.urls")),
    path("editions/", include("cohorts.urls")),
    path("editions/", include("submissions.urls")),
    path("editions/", include("groups.urls")),
    path("editions/", include("cockpit.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "malisig.views.permission_denied"
handler404 = "malisig.views.page_not_found"
handler500 = "malisig.views.server_error"
handler429 = "malisig.ratelimit.handler429"
