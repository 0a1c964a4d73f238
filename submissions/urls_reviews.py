"""The juror's side of the review: their dashboard, the review page of a group's current submission, the jury's
discussion of it and the download of its files (namespace "submissions", included by submissions/urls.py)."""

from django.urls import path

from .views import reviews

_REVIEW = "<slug:slug>/jury/evaluation/<int:group_pk>/"

urlpatterns = [
    path("<slug:slug>/jury/mes-evaluations/", reviews.juror_dashboard, name="juror_dashboard"),
    path(_REVIEW, reviews.review, name="review_page"),
    path(f"{_REVIEW}discussion/", reviews.review_discussion, name="review_discussion"),
    path(f"{_REVIEW}fichiers/<int:file_pk>/", reviews.review_file, name="review_file"),
    path(f"{_REVIEW}images/<int:file_pk>/", reviews.review_image, name="review_image"),
]
