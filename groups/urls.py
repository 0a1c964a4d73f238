from django.urls import path

from .views import automatic, formation, pages, settings

app_name = "groups"

urlpatterns = [
    path("<slug:slug>/groupes/", formation.formation, name="formation"),
    path("<slug:slug>/groupes/actions/", formation.formation_action, name="formation_action"),
    path("<slug:slug>/groupes/automatique/", automatic.automatic, name="automatic"),
    path("<slug:slug>/groupes/publication/", formation.publication, name="publication"),
    path("<slug:slug>/groupes/roles/", settings.types, name="types"),
    path("<slug:slug>/groupes/reglages/", settings.group_settings, name="group_settings"),
    path("<slug:slug>/groupes/<int:pk>/", pages.group_detail, name="group_detail"),
    path("<slug:slug>/mon-groupe/", pages.my_group, name="my_group"),
]
