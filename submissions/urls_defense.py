"""The public defense at the closing ceremony: the chair's running order and timer, the projector's screens, the
jurors' score sheet (and its JSON endpoint)."""

from django.urls import path

from .views import defense

_DEFENSE = "<slug:slug>/jury/soutenance/"
_TURN = f"{_DEFENSE}groupes/<int:group_pk>/"

urlpatterns = [
    path(_DEFENSE, defense.defense_order, name="defense_order"),
    path(f"{_DEFENSE}ordre-automatique/", defense.defense_order_auto, name="defense_order_auto"),
    path(f"{_DEFENSE}notation/", defense.defense_scoring, name="defense_scoring"),
    path(f"{_TURN}deplacer/", defense.defense_move, name="defense_move"),
    path(f"{_TURN}demarrer/", defense.defense_start, name="defense_start"),
    path(f"{_TURN}arreter/", defense.defense_stop, name="defense_stop"),
    path(f"{_TURN}soutenu/", defense.defense_defended, name="defense_defended"),
    path(f"{_DEFENSE}ecran/", defense.defense_screen, name="defense_screen"),
    path(f"{_DEFENSE}ecran/etat/", defense.defense_screen_state, name="defense_screen_state"),
    path(f"{_DEFENSE}questions/", defense.defense_questions, name="defense_questions"),
    path(f"{_DEFENSE}notes/", defense.defense_sheet, name="defense_sheet"),
    path(f"{_DEFENSE}notes/<int:group_pk>/", defense.defense_score_save, name="defense_score_save"),
]
