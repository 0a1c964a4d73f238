import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

from tests.factories import PASSWORD, UserFactory

User = get_user_model()


def test_the_user_model_has_no_username_and_logs_in_by_email():
    assert User.USERNAME_FIELD == "email"
    assert "username" not in [field.name for field in User._meta.get_fields()]


@pytest.mark.django_db
def test_names_keep_accents_and_apostrophes():
    user = User.objects.create_user("aissata@example.org", PASSWORD, first_name="Aïssata", last_name="N’Diaye")

    user.refresh_from_db()
    assert user.get_full_name() == "Aïssata N’Diaye"


@pytest.mark.django_db
def test_email_is_stored_trimmed_and_lower_case_and_login_ignores_case():
    User.objects.create_user("\xa0Sekou.Keita@Example.ORG ", PASSWORD)

    assert User.objects.get().email == "sekou.keita@example.org"
    assert authenticate(email="SEKOU.KEITA@example.org", password=PASSWORD) is not None


@pytest.mark.django_db
def test_two_accounts_cannot_share_an_email_in_different_case():
    UserFactory(email="awa@example.org")

    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="AWA@example.org")])
