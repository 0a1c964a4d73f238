import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cohorts.services import create_edition, parse_decimal, school_for_name


def _one_line(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a draft edition (and its school if no school has that name or acronym). "
        "Example: manage.py create_edition malisig-2026 --school MaliSIG --year 2026 --pass-mark 10,5"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Short name in addresses, e.g. malisig-2026.")
        parser.add_argument("--school", required=True, help="The school's name or acronym (any case).")
        parser.add_argument("--year", required=True, help="Four digits, e.g. 2026.")
        parser.add_argument("--title", default="", help='Default: "<school acronym> <year>".')
        parser.add_argument("--pass-mark", default=None, help="Grade needed to be admitted, e.g. 10.5 or 10,5.")

    def handle(self, *args, slug: str, school: str, year: str, title: str, pass_mark: str | None, **options) -> None:
        if not re.fullmatch(r"\d{4}", year.strip()):
            raise CommandError(_("The year must have four digits, e.g. 2026, not “%(year)s”.") % {"year": year})
        try:
            mark = parse_decimal(pass_mark)
            with transaction.atomic():
                found, school_created = school_for_name(school)
                edition = create_edition(found, slug=slug, year=int(year), title=title, pass_mark=mark, by=None)
        except ValidationError as error:
            raise CommandError(_one_line(error)) from None
        if school_created:
            line = _(
                "Created edition %(slug)s “%(title)s” (no. %(number)s, %(year)s, draft) and the new school %(school)s."
            )
        else:
            line = _("Created edition %(slug)s “%(title)s” (no. %(number)s, %(year)s, draft) of the school %(school)s.")
        self.stdout.write(
            line
            % {
                "slug": edition.slug,
                "title": edition.title,
                "number": edition.number,
                "year": edition.year,
                "school": f"{found.acronym} ({found.slug})",
            }
        )
