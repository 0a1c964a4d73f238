"""The person: one account across editions, email as the login."""

import unicodedata

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .text import fold


def normalise_email(email: str) -> str:
    """Trim (non-breaking spaces too) and lower-case: the email is the identity."""
    return email.replace("\xa0", " ").strip().lower()


def normalise_name(name: str) -> str:
    """Keep names as typed (accents, apostrophes), in one Unicode form."""
    return unicodedata.normalize("NFC", name.replace("\xa0", " ").strip())


class FoldedField(models.TextField):
    """fold() of another column of the row (`source`), stored so that searching and sorting by it read a column.

    Django fills it on every save() and bulk_create() (pre_save, like auto_now); FoldingQuerySet keeps it in step
    through update() and bulk_update(), and with_folds() through save(update_fields=...). Text without a length
    limit: folding may lengthen a name ("김" decomposes into jamo).
    """

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for option, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(option) == value:
                del kwargs[option]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = fold(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def folds_of(model) -> dict[str, str]:
    """The model's folded columns, by source column: {"last_name": "folded_last_name", ...}."""
    return {field.source: field.name for field in model._meta.concrete_fields if isinstance(field, FoldedField)}


def with_folds(model, fields) -> list[str]:
    """`fields` plus the folded column of each source among them (for save(update_fields=...), bulk_update())."""
    fields = list(fields)
    return fields + [folded for source, folded in folds_of(model).items() if source in fields and folded not in fields]


def refold(model, *, using: str = "default", batch_size: int = 2000) -> None:
    """Recompute every row's folded columns (a migration adding one fills it with this)."""
    folds = folds_of(model)
    rows = model._base_manager.using(using).only("pk", *folds).order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=batch_size):
        for source, folded in folds.items():
            setattr(row, folded, fold(getattr(row, source) or ""))
        batch.append(row)
        if len(batch) == batch_size:
            model._base_manager.using(using).bulk_update(batch, list(folds.values()))
            batch = []
    model._base_manager.using(using).bulk_update(batch, list(folds.values()))


class FoldingQuerySet(models.QuerySet):
    """update() and bulk_update() that keep each FoldedField in step with the column it folds."""

    def update(self, **values):
        for source, folded in folds_of(self.model).items():
            if source in values and folded not in values:
                if not isinstance(values[source], str | Promise):
                    # An expression cannot be folded in Python: the caller sets the folded column too.
                    raise TypeError(f"update({source}=<expression>) must also set {folded}")
                values[folded] = fold(str(values[source]))
        return super().update(**values)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        objs, fields = list(objs), list(fields)
        for source, folded in folds_of(self.model).items():
            if source in fields:
                for obj in objs:
                    setattr(obj, folded, fold(getattr(obj, source) or ""))
        return super().bulk_update(objs, with_folds(self.model, fields), batch_size=batch_size)

    bulk_update.alters_data = True


class UserManager(BaseUserManager.from_queryset(FoldingQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=normalise_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Roles are per edition (cohorts.EditionRole); is_staff is the site's staff."""

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # What searching and sorting by name or email read (an index sorts the roster by name): never set by hand.
    folded_email = FoldedField(source="email")
    folded_first_name = FoldedField(source="first_name")
    folded_last_name = FoldedField(source="last_name")
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("fr", _("French")), ("en", _("English"))],
        default="fr",
    )
    is_staff = models.BooleanField(
        _("site staff"), default=False, help_text=_("Site staff can do everything, in every edition.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        indexes = [models.Index(fields=["folded_last_name", "folded_first_name"], name="user_folded_name_idx")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)
        self.first_name = normalise_name(self.first_name)
        self.last_name = normalise_name(self.last_name)

    def save(self, *args, **kwargs) -> None:
        self.email = normalise_email(self.email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = with_folds(type(self), kwargs["update_fields"])
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class PendingTask(models.Model):
    """A background task that could not be handed to the broker (Redis down): malisig.queue publishes it again once
    the broker answers, and deletes the row in the same transaction. One row per distinct call (`key`): the page of
    an export asking again every few seconds adds nothing."""

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("task waiting for the task service")
        verbose_name_plural = _("tasks waiting for the task service")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"
