from django.urls import path

from .views import editions, invitations

app_name = "cohorts"

urlpatterns = [
    path("invitation/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/nouveau-lien/", invitations.invitation_renewal, name="invitation_renewal"),
    path("<slug:slug>/", editions.edition_detail, name="edition_detail"),
    path("<slug:slug>/invitations/", invitations.invitation_list, name="invitation_list"),
    path("<slug:slug>/invitations/nouvelle/", invitations.invitation_create, name="invitation_create"),
    path("<slug:slug>/invitations/actions/", invitations.invitation_action, name="invitation_action"),
]
