"""Setting editions up: create one (from the web or the command line), edit its settings, copy last year's."""

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from malisig.models import User
from malisig.sanitise import sanitise_html

from ..models import Edition, Phase, Role, School, Sponsor
from ..signals import edition_copied
from .editions import grant_role

logger = logging.getLogger(__name__)

# First path segments used by cohorts' other addresses (cohorts/urls.py): an edition named so would be shadowed.
RESERVED_SLUGS = frozenset({"ecole", "invitation", "mon-profil", "certificats"})
EDITABLE_FIELDS = frozenset(
    {
        "title", "theme", "venue", "starts_on", "ends_on", "status", "capacity", "pass_mark",
        "completion_required", "concept_note",
    }
)  # fmt: skip


def parse_decimal(text: str | Decimal | int | float | None) -> Decimal | None:
    """'10,5', '10.5' or ' 10 ' → Decimal; '' or None → None; anything else → ValidationError."""
    if text is None or isinstance(text, Decimal):
        return text
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            _("“%(value)s” is not a number (write it like 10.5 or 10,5).") % {"value": text}, code="invalid"
        ) from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}, code="invalid")
    return value


def school_for_name(name: str) -> tuple[School, bool]:
    """The school whose name or acronym is `name` (any case), else a new one named so.

    Writes: at most one School row (slug from slugify(name), suffixed -2, -3... if taken; acronym = name).
    Returns (school, created).
    """
    name = " ".join((name or "").split())
    wanted = name.casefold()
    # Compared in Python: SQLite's iexact ignores the case of ASCII letters only (École ≠ école), and schools are few.
    for school in School.objects.order_by("pk"):
        if wanted in (school.name.casefold(), school.acronym.casefold()):
            return school, False
    base = slugify(name)[:56].strip("-")
    if not base:
        raise ValidationError({"school": _("Give the school's name, with at least one letter or digit.")})
    slug, suffix = base, 2
    while School.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    school = School.objects.create(name=name[:200], acronym=name[:30], slug=slug)
    # after commit: the caller's transaction may still refuse the edition and drop this school
    transaction.on_commit(lambda: logger.info("Created school %s (%s)", school.slug, school.name))
    return school, True


def next_edition_number(school: School) -> int:
    return (school.editions.aggregate(highest=Max("number"))["highest"] or 0) + 1


def _check_new_edition(school: School, slug: str, year: int, number: int) -> None:
    errors: dict[str, str] = {}
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = _("Use only lowercase letters, digits and hyphens, e.g. malisig-2026.")
    else:
        if slug in RESERVED_SLUGS:
            errors["slug"] = _("“%(slug)s” is reserved by the site; choose another address name.") % {"slug": slug}
        elif Edition.objects.filter(slug=slug).exists():
            errors["slug"] = _("An edition already uses the address name “%(slug)s”.") % {"slug": slug}
    if not (isinstance(year, int) and 1000 <= year <= 9999):
        errors["year"] = _("The year must have four digits, e.g. 2026.")
    if Edition.objects.filter(school=school, number=number).exists():
        errors["number"] = _("%(school)s already has an edition number %(number)s.") % {
            "school": school.acronym,
            "number": number,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_edition(
    school: School,
    *,
    slug: str,
    year: int,
    by: User | None,
    title: str = "",
    number: int | None = None,
    pass_mark: Decimal | str | None = None,
    completion_required: bool = False,
    capacity: int | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Edition:
    """A new draft edition of `school`; the web (copy) and `manage.py create_edition` both come here.

    `number` defaults to the school's next number, `title` to "<acronym> <year>". Raises ValidationError
    (keyed by field: slug, year, number, pass_mark...) and writes nothing when a value is refused.
    Writes: one Edition row; one organiser EditionRole for `by` when given.
    """
    # lock: two organisers creating editions of one school at once would take the same number
    school = School.objects.select_for_update().get(pk=school.pk)
    slug = (slug or "").strip()
    number = number or next_edition_number(school)
    _check_new_edition(school, slug, year, number)
    try:
        pass_mark = parse_decimal(pass_mark)
    except ValidationError as error:
        raise ValidationError({"pass_mark": error.messages}) from None
    edition = Edition(
        school=school,
        slug=slug,
        year=year,
        number=number,
        title=(title or "").strip() or f"{school.acronym} {year}",
        status=Edition.Status.DRAFT,
        pass_mark=pass_mark,
        completion_required=completion_required,
        capacity=capacity,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    edition.full_clean()
    edition.save()
    if by is not None:
        grant_role(edition, by, Role.ORGANISER, by=by)
    logger.info("Created edition %s (school %s, no. %s) by %s", edition.slug, school.slug, number, by)
    return edition


def update_edition(edition: Edition, changes: dict, *, by: User | None) -> Edition:
    """Apply an organiser's edits to the edition's own fields; the concept note is sanitised (sanitise_html).

    Writes: the Edition row (only the fields in `changes`).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable here: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(edition, field, sanitise_html(value) if field == "concept_note" else value)
    edition.save(update_fields=sorted(changes))
    logger.info("Edition %s settings changed by %s: %s", edition.slug, by, ", ".join(sorted(changes)))
    return edition


def save_concept_note(edition: Edition, html: str, *, by: User | None) -> Edition:
    """Store the concept note, sanitised once here so pages may render the stored value as is.

    Writes: Edition.concept_note.
    """
    edition.concept_note = sanitise_html(html)
    edition.save(update_fields=["concept_note"])
    logger.info("Edition %s concept note saved by %s", edition.slug, by)
    return edition


@transaction.atomic
def save_settings_rows(formset, *, by: User | None) -> int:
    """Save a settings list (phases, masterclasses, materials, sponsors) validated by its formset, all or nothing.

    Writes: the formset's new, changed and deleted rows. Returns how many rows were written or deleted.
    """
    saved = formset.save()
    count = len(saved) + len(formset.deleted_objects)
    if count:
        logger.info("%s %s rows saved by %s", formset.instance, formset.model.__name__, by)
    return count


def _same_day_in(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def copy_edition_settings(
    source: Edition, *, slug: str, year: int, title: str = "", number: int | None = None, by: User | None
) -> Edition:
    """A new draft edition of the same school, set up like `source`.

    Copies what cohorts owns: the timeline (phases moved by whole years to `year`, same day and month; the
    edition's own dates likewise), pass mark, completion rule, capacity and sponsors/partners (logos shared,
    not duplicated). Not copied: theme, venue, concept note, masterclasses, people.
    Writes: one Edition, its Phase and Sponsor rows, an organiser EditionRole for `by`.
    After commit: sends signals.edition_copied(source=, target=, by=) so groups and submissions copy theirs.
    """
    years = year - source.year if isinstance(year, int) else 0
    target = create_edition(
        source.school,
        slug=slug,
        year=year,
        title=title,
        number=number,
        by=by,
        pass_mark=source.pass_mark,
        completion_required=source.completion_required,
        capacity=source.capacity,
        starts_on=_same_day_in(source.starts_on, years),
        ends_on=_same_day_in(source.ends_on, years),
    )
    Phase.objects.bulk_create(
        Phase(
            edition=target,
            kind=phase.kind,
            starts_on=_same_day_in(phase.starts_on, years),
            ends_on=_same_day_in(phase.ends_on, years),
            link=phase.link,
        )
        for phase in source.phases.all()
    )
    Sponsor.objects.bulk_create(
        Sponsor(
            edition=target, kind=sponsor.kind, name=sponsor.name, logo=sponsor.logo.name, link=sponsor.link,
            position=sponsor.position,
        )
        for sponsor in source.sponsors.all()
    )  # fmt: skip
    transaction.on_commit(lambda: edition_copied.send(sender=Edition, source=source, target=target, by=by))
    logger.info("Edition %s copied to %s by %s", source.slug, target.slug, by)
    return target
