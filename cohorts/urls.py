from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/nouveau-lien/", views.invitation_renewal, name="invitation_renewal"),
    path("<slug:slug>/", views.edition_detail, name="edition_detail"),
    path("<slug:slug>/invitations/", views.invitation_list, name="invitation_list"),
    path("<slug:slug>/invitations/nouvelle/", views.invitation_create, name="invitation_create"),
    path("<slug:slug>/invitations/actions/", views.invitation_action, name="invitation_action"),
]
