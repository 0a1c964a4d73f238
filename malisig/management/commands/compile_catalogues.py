from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) where they are missing or stale, without GNU gettext."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Compile every catalogue, even when up to date.")

    def handle(self, *args, force: bool = False, **options) -> None:
        for locale_path in settings.LOCALE_PATHS:
            for source in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                compiled = source.with_suffix(".mo")
                if force or not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
                    polib.pofile(str(source)).save_as_mofile(str(compiled))
                    self.stdout.write(f"Compiled {compiled.relative_to(settings.BASE_DIR)}")
