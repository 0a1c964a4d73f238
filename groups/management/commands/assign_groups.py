import json

from django.core.management.base import BaseCommand, CommandError

from cohorts.models import Edition
from groups import services
from groups.balancing import Mode


class Command(BaseCommand):
    help = (
        "Place every admitted, invited or active participant without a group into balanced stakeholder groups, "
        "as the organisers' automatic assignment does (pinned people never move)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("edition_slug")
        parser.add_argument(
            "--groups-per-type",
            type=int,
            default=1,
            help="Groups to create per stakeholder type when the edition has none (default 1).",
        )
        parser.add_argument(
            "--mode",
            choices=[mode.value for mode in Mode],
            default=Mode.OTHER.value,
            help="other: nobody plays their own sector's role (default); own: everyone does; ignore: sector unused.",
        )
        parser.add_argument("--seed", type=int, default=0, help="Same seed, same groups (default 0).")
        parser.add_argument("--dry-run", action="store_true", help="Show the plan; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with the groups' figures.")

    def handle(self, *args, edition_slug: str, groups_per_type: int, mode: str, seed: int, dry_run: bool, **options):
        edition = Edition.objects.select_related("school").filter(slug=edition_slug).first()
        if edition is None:
            raise CommandError(f"No edition with the slug {edition_slug!r}.")
        if groups_per_type < 1:
            raise CommandError("--groups-per-type must be 1 or more.")
        arguments = {"mode": Mode(mode), "seed": seed, "groups_per_type": groups_per_type, "by": None}
        try:
            plan = services.preview(edition, **arguments) if dry_run else services.apply(edition, **arguments)
        except services.PlacementRefused as refusal:
            raise CommandError(refusal.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_json(), ensure_ascii=False))
            return
        self._write_report(plan, dry_run)

    def _write_report(self, plan: services.Preview, dry_run: bool) -> None:
        prefix = "Dry run: nothing written. " if dry_run else ""
        self.stdout.write(f"{prefix}{plan.placed} placed, {plan.moved} moved, {plan.unplaced} without a group.")
        for group in plan.groups:
            genders = ", ".join(f"{gender} {count}" for gender, count in group.by_gender.items())
            self.stdout.write(
                f"  {group.name} ({group.type_code}): {group.size} people ({genders}), "
                f"{group.organisations} organisations, {group.countries} countries"
            )
