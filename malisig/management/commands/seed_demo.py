from django.core.management.base import BaseCommand

from malisig.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Build the MaliSIG 2023 demo (idempotent: a second run changes nothing) and print the demo logins."

    def handle(self, *args, **options) -> None:
        summary = seed_demo()
        self.stdout.write(f"Demo edition: {summary.edition.title} ({summary.created_users} accounts created)")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role, name in summary.logins:
            self.stdout.write(f"  {role:<14} {email:<32} {name}")
        self.stdout.write("  Participants   participant01@example.org ... participant45@example.org")
