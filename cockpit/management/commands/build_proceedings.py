from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cockpit.services.reports import UnknownFormat, build_proceedings, format_of
from cohorts.models import Edition


class Command(BaseCommand):
    help = (
        "Write an edition's proceedings (concept note, assignment, published group documents) to a PDF or DOCX file; "
        "the format follows the extension. Example: manage.py build_proceedings malisig-2023 actes.pdf"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The edition's short name in addresses, e.g. malisig-2023.")
        parser.add_argument("output", help="The file to write: ending in .pdf or .docx.")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES]
        )

    def handle(self, *args, slug: str, output: str, language: str, **options) -> None:
        try:
            fmt = format_of(output)
        except UnknownFormat:
            raise CommandError(
                _("The output file must end in .pdf or .docx, not “%(name)s”.") % {"name": output}
            ) from None
        edition = Edition.objects.filter(slug=slug).first()
        if edition is None:
            raise CommandError(_("No edition has the short name “%(slug)s”.") % {"slug": slug})
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        path.write_bytes(build_proceedings(edition, fmt, language))
        self.stdout.write(str(path))
