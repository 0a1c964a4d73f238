from django.contrib.admin.sites import site
from django.test import RequestFactory

from cohorts.models import Edition


def test_a_concept_note_saved_in_the_admin_is_sanitised_like_the_organisers_form(edition, staff):
    admin = site._registry[Edition]
    edition.concept_note = '<p onclick="steal()">Thème</p><script>alert(1)</script>'
    request = RequestFactory().post("/admin/")
    request.user = staff

    admin.save_model(request, edition, form=None, change=True)

    edition.refresh_from_db()
    assert "script" not in edition.concept_note and "onclick" not in edition.concept_note
    assert "Thème" in edition.concept_note
