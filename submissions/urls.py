from django.urls import path

from .views import assignment

app_name = "submissions"

urlpatterns = [
    path("<slug:slug>/sujet/", assignment.assignment_detail, name="assignment_detail"),
]
