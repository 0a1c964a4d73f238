"""The jury's set-up: review settings and rubrics (organisers), the chair's jury page with conflicts and assignment,
a juror's conflicts of interest."""

from django.urls import path

from .views import jury

_JURY = "<slug:slug>/jury/"

urlpatterns = [
    path(f"{_JURY}reglages/", jury.review_settings, name="review_settings"),
    path(f"{_JURY}composition/", jury.jury_setup, name="jury_setup"),
    path(f"{_JURY}conflits/detecter/", jury.jury_detect, name="jury_detect"),
    path(f"{_JURY}conflits/<int:conflict_pk>/", jury.jury_conflict, name="jury_conflict"),
    path(f"{_JURY}affectations/automatique/", jury.jury_auto_assign, name="jury_auto_assign"),
    path(f"{_JURY}affectations/ajouter/", jury.jury_assign, name="jury_assign"),
    path(f"{_JURY}affectations/retirer/", jury.jury_unassign, name="jury_unassign"),
    path(f"{_JURY}mes-conflits/", jury.jury_conflicts, name="jury_conflicts"),
]
