"""The stored folds (FoldedField) follow their column through every way Django writes it."""

import pytest
from django.db.models import F

from cohorts.models import Profile
from malisig.models import User, refold
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def folds(user: User) -> tuple[str, str, str]:
    user.refresh_from_db()
    return user.folded_first_name, user.folded_last_name, user.folded_email


def test_saving_a_user_folds_their_names_and_email():
    user = User.objects.create_user("Sekou.Traore@Example.org", first_name="Sékou", last_name="TRAORÉ")

    assert folds(user) == ("sekou", "traore", "sekou.traore@example.org")


def test_saving_only_the_names_folds_them_too():
    user = UserFactory(first_name="Awa", last_name="Diarra")
    user.first_name, user.last_name = "Fanta", "Kéïta"

    user.save(update_fields=["first_name", "last_name"])

    assert folds(user)[:2] == ("fanta", "keita")


def test_bulk_create_folds_each_user():
    User.objects.bulk_create([User(email="a@example.org", first_name="Ørsted", last_name="Konɛ")])

    assert folds(User.objects.get(email="a@example.org"))[:2] == ("orsted", "kone")


def test_update_folds_the_names_it_sets():
    user = UserFactory(first_name="Awa", last_name="Diarra")

    User.objects.filter(pk=user.pk).update(last_name="Dembélé")

    assert folds(user)[1] == "dembele"


def test_update_with_an_expression_must_set_the_fold_too():
    UserFactory()

    with pytest.raises(TypeError, match="folded_last_name"):
        User.objects.update(last_name=F("first_name"))


def test_bulk_update_folds_the_names_it_sets():
    user = UserFactory(first_name="Awa", last_name="Diarra")
    user.first_name = "Aïssata"

    User.objects.bulk_update([user], ["first_name"])

    assert folds(user)[:2] == ("aissata", "diarra")


def test_a_profiles_organisation_is_folded_on_save_and_bulk_update():
    profile = ProfileFactory(organisation="Société Générale")
    saved = Profile.objects.get(pk=profile.pk).folded_organisation
    profile.organisation = "Ecobank Côte d'Ivoire"

    Profile.objects.bulk_update([profile], ["organisation"])

    assert (saved, Profile.objects.get(pk=profile.pk).folded_organisation) == (
        "societe generale",
        "ecobank cote d'ivoire",
    )


def test_refold_repairs_folds_written_around_django():
    user = UserFactory(first_name="Awa", last_name="Diarra")
    User.objects.filter(pk=user.pk).update(last_name="Traoré", folded_last_name="stale")

    refold(User)

    assert folds(user)[1] == "traore"
