"""Hand the tasks recorded while Redis was unreachable to the broker now, instead of waiting for the beat."""

from django.core.management.base import BaseCommand

from malisig.models import PendingTask
from malisig.queue import flush_pending_tasks


class Command(BaseCommand):
    help = "Publish the tasks kept in the database while the broker (Redis) was unreachable, oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", dest="only_list", help="Only list the waiting tasks.")

    def handle(self, *args, only_list=False, **options):
        if only_list:
            for pending in PendingTask.objects.all():
                self.stdout.write(f"{pending.created_at:%Y-%m-%d %H:%M:%S} {pending} (attempts: {pending.attempts})")
            return
        counts = flush_pending_tasks()
        self.stdout.write(
            f"{counts['published']} task(s) published, {counts['waiting']} still waiting"
            + (f" ({counts['unknown']} naming no known task)" if counts["unknown"] else "")
        )
        if counts["waiting"] > counts["unknown"]:
            self.stderr.write("The broker is still unreachable: run this again once Redis answers.")
            raise SystemExit(1)
