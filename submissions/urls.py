from django.urls import path

from .views import assignment, settings, workspace

app_name = "submissions"

_SECTION = "<slug:slug>/groupes/<int:group_pk>/document/<int:section_pk>/"

urlpatterns = [
    path("<slug:slug>/sujet/", assignment.assignment_detail, name="assignment_detail"),
    path("<slug:slug>/mon-document/", workspace.my_workspace, name="my_workspace"),
    path("<slug:slug>/groupes/<int:group_pk>/document/", workspace.workspace, name="workspace"),
    path(_SECTION, workspace.section_detail, name="section"),
    path(f"{_SECTION}enregistrer/", workspace.section_save, name="section_save"),
    path(f"{_SECTION}historique/", workspace.section_history, name="section_history"),
    path(f"{_SECTION}historique/restaurer/", workspace.section_restore, name="section_restore"),
    path(f"{_SECTION}commentaires/", workspace.section_comments, name="section_comments"),
    path(f"{_SECTION}statut/", workspace.section_status, name="section_status"),
]

# The organisers' assignment settings (tabs).
urlpatterns += [
    path("<slug:slug>/sujet/reglages/", settings.settings_assignment, name="settings_assignment"),
    path("<slug:slug>/sujet/reglages/structure/", settings.settings_structure, name="settings_structure"),
    path("<slug:slug>/sujet/reglages/delais/", settings.settings_deadlines, name="settings_deadlines"),
    path("<slug:slug>/sujet/reglages/prolongations/", settings.settings_extensions, name="settings_extensions"),
]
