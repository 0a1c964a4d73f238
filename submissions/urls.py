from django.urls import path

from .views import assignment, settings, workspace
from .views import exports as export_views
from .views import files as group_files
from .views import offline as offline_views
from .views import submission as submission_views

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

# The offline pack (DOCX): download, upload an edited copy.
urlpatterns += [
    path(
        "<slug:slug>/groupes/<int:group_pk>/document/kit-hors-ligne.docx",
        offline_views.offline_pack,
        name="offline_pack",
    ),
    path(
        "<slug:slug>/groupes/<int:group_pk>/document/kit-hors-ligne/",
        offline_views.offline_pack_upload,
        name="offline_pack_upload",
    ),
]

# A group's files: the presentation, attachments and images, served only through a permission check.
_FILES = "<slug:slug>/groupes/<int:group_pk>/fichiers/"
urlpatterns += [
    path(_FILES, group_files.group_files, name="group_files"),
    path(f"{_FILES}images/", group_files.group_images, name="group_images"),
    path(f"{_FILES}<int:file_pk>/", group_files.group_file, name="group_file"),
    path(f"{_FILES}<int:file_pk>/retirer/", group_files.group_file_remove, name="group_file_remove"),
]

# Handing in the document: the submission page (confirm, submit, withdraw) and the frozen snapshots.
urlpatterns += [
    path("<slug:slug>/groupes/<int:group_pk>/remise/", submission_views.submission, name="submission"),
    path(
        "<slug:slug>/groupes/<int:group_pk>/remise/<int:number>/",
        submission_views.submission_detail,
        name="submission_detail",
    ),
]

# Exports of the document (DOCX, PDF, presentation starter), built by Celery and cached per version.
urlpatterns += [
    path("<slug:slug>/groupes/<int:group_pk>/document/export/<str:kind>/", export_views.export, name="export"),
]

# Review: each area's addresses in its own module (jury set-up, reviews, the chair and results, the defense,
# publication and the comparison), all in the "submissions" namespace.
from .urls_chair import urlpatterns as chair_urls  # noqa: E402
from .urls_defense import urlpatterns as defense_urls  # noqa: E402
from .urls_jury import urlpatterns as jury_urls  # noqa: E402
from .urls_publication import urlpatterns as publication_urls  # noqa: E402
from .urls_reviews import urlpatterns as review_urls  # noqa: E402

urlpatterns += jury_urls + review_urls + chair_urls + defense_urls + publication_urls
