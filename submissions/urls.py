from django.urls import path

from . import views

app_name = "submissions"

urlpatterns = [
    path("<slug:slug>/sujet/", views.assignment_detail, name="assignment_detail"),
]
