from django.urls import path

from .views import attendance, editions, imports, invitations, profiles, public, roster, settings

app_name = "cohorts"

urlpatterns = [
    path("invitation/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/nouveau-lien/", invitations.invitation_renewal, name="invitation_renewal"),
    # Public pages, no login (declared before "<slug:slug>/"; "ecole" is a reserved edition slug).
    path("ecole/<slug:school_slug>/", public.school_public, name="school_public"),
    path("<slug:slug>/public/", public.edition_public, name="edition_public"),
    path("<slug:slug>/public/logos/<int:pk>/", public.sponsor_logo, name="sponsor_logo"),
    # Anyone logged in (declared before "<slug:slug>/"; "mon-profil" is a reserved edition slug).
    path("mon-profil/", profiles.my_profile, name="my_profile"),
    path("<slug:slug>/", editions.edition_detail, name="edition_detail"),
    path("<slug:slug>/reglages/", settings.edition_settings, name="edition_settings"),
    path("<slug:slug>/reglages/calendrier/", settings.settings_phases, name="settings_phases"),
    path("<slug:slug>/reglages/masterclasses/", settings.settings_masterclasses, name="settings_masterclasses"),
    path(
        "<slug:slug>/reglages/masterclasses/<int:pk>/supports/", settings.settings_materials, name="settings_materials"
    ),
    path("<slug:slug>/reglages/partenaires/", settings.settings_sponsors, name="settings_sponsors"),
    path("<slug:slug>/copier/", settings.edition_copy, name="edition_copy"),
    path("<slug:slug>/import/", imports.import_start, name="import_start"),
    path("<slug:slug>/import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("<slug:slug>/import/<int:pk>/colonnes/", imports.import_mapping, name="import_mapping"),
    path("<slug:slug>/import/<int:pk>/appliquer/", imports.import_apply, name="import_apply"),
    path("<slug:slug>/import/<int:pk>/rejets.csv", imports.import_rejected_csv, name="import_rejected_csv"),
    path("<slug:slug>/invitations/", invitations.invitation_list, name="invitation_list"),
    path("<slug:slug>/invitations/nouvelle/", invitations.invitation_create, name="invitation_create"),
    path("<slug:slug>/invitations/actions/", invitations.invitation_action, name="invitation_action"),
    path("<slug:slug>/participants/", roster.roster, name="roster"),
    path("<slug:slug>/participants/ajouter/", roster.participant_add, name="participant_add"),
    path("<slug:slug>/participants/actions/", roster.roster_action, name="roster_action"),
    path("<slug:slug>/participants/export/", roster.roster_export, name="roster_export"),
    path("<slug:slug>/participants/<int:pk>/", profiles.participant_profile, name="participant_profile"),
    path("<slug:slug>/participants/<int:pk>/statut/", profiles.participant_transition, name="participant_transition"),
    path("<slug:slug>/presence/", attendance.attendance_list, name="attendance_list"),
    path(
        "<slug:slug>/presence/masterclasses/",
        attendance.attendance_from_masterclasses,
        name="attendance_from_masterclasses",
    ),
    path("<slug:slug>/presence/<int:event_pk>/", attendance.attendance_take, name="attendance_take"),
]
