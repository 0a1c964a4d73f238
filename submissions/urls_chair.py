"""The chair's addresses: the progress board, reminders, starting the review, the round, decisions and results."""

from django.urls import path

from .views import chair

_CHAIR = "<slug:slug>/jury/presidence/"

urlpatterns = [
    path(_CHAIR, chair.chair_dashboard, name="chair_dashboard"),
    path(f"{_CHAIR}rappels/", chair.chair_remind, name="chair_remind"),
    path(f"{_CHAIR}lancer/", chair.chair_start_reviews, name="chair_start_reviews"),
    path(f"{_CHAIR}tour/", chair.chair_round, name="chair_round"),
    path(f"{_CHAIR}decisions/diffuser/", chair.chair_release_decisions, name="chair_release_decisions"),
    path(f"{_CHAIR}decisions/<int:group_pk>/", chair.chair_decision, name="chair_decision"),
    path("<slug:slug>/jury/resultats/", chair.results, name="results"),
    path("<slug:slug>/jury/resultats/diffuser-notes/", chair.results_release_scores, name="results_release_scores"),
]
