from django.core.management.base import BaseCommand

from config.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update Billfold's background schedules (safe to run on every start)."

    def handle(self, *args, **options) -> None:
        result = ensure_schedules()
        changes = [
            *(f"created {name}" for name in result.created),
            *(f"updated {name}" for name in result.updated),
            *(f"removed {name}" for name in result.removed),
        ]
        self.stdout.write("Schedules: " + (", ".join(changes) if changes else "up to date") + ".")
