"""Publication and the side-by-side comparison: members' name consent, the organiser's publishing page, the public
pages of the published documents (no login) and the comparison for the jury and for the public."""

from django.urls import path

from .views import publication

_PUBLIC = "<slug:slug>/publications/"

urlpatterns = [
    path("<slug:slug>/groupes/<int:group_pk>/nom-publie/", publication.name_consent, name="name_consent"),
    path("<slug:slug>/jury/publication/", publication.publication_manage, name="publication_manage"),
    path("<slug:slug>/jury/publication/<int:pk>/publier/", publication.publish_one, name="publish_one"),
    path("<slug:slug>/jury/publication/tout-publier/", publication.publish_all, name="publish_all"),
    path("<slug:slug>/jury/comparaison/", publication.comparison_jury, name="comparison_jury"),
    path(_PUBLIC, publication.published_list, name="published_list"),
    path(f"{_PUBLIC}comparaison/", publication.comparison_public, name="comparison_public"),
    path(f"{_PUBLIC}<int:pk>/", publication.published_detail, name="published_detail"),
    path(f"{_PUBLIC}<int:pk>/document.pdf", publication.published_pdf, name="published_pdf"),
    path(f"{_PUBLIC}<int:pk>/images/<int:file_pk>/", publication.published_image, name="published_image"),
]
