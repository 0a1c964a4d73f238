from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("invitation/<str:token>/nouveau-lien/", views.invitation_renewal, name="invitation_renewal"),
    path("<slug:slug>/", views.edition_detail, name="edition_detail"),
    path("<slug:slug>/invitations/", views.invitation_list, name="invitation_list"),
    path("<slug:slug>/invitations/<int:pk>/renvoyer/", views.invitation_resend, name="invitation_resend"),
    path("<slug:slug>/invitations/<int:pk>/retirer/", views.invitation_revoke, name="invitation_revoke"),
]
