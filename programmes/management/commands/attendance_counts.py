"""Compare the attendance counts each session keeps with a fresh count of its rows, in every organisation:

python manage.py attendance_counts            # lists the sessions that differ; exits 1 if any do
python manage.py attendance_counts --repair   # and recounts them
"""

from django.core.management.base import BaseCommand, CommandError

from portal.tasks import each_organisation_run
from programmes.services.attendance_counts import attendance_counts_mismatched, attendance_counts_repair


class Command(BaseCommand):
    help = "Check (or --repair) the attendance counts kept per session against the attendance rows."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Recount the sessions whose counts differ.")

    def handle(self, *args, repair: bool, **options):
        found = each_organisation_run(
            lambda organisation: attendance_counts_mismatched(), failure="Attendance counts of %s not checked"
        )
        differing = 0
        for slug, mismatched in found.items():
            for mismatch in mismatched:
                self.stdout.write(
                    f"{slug}: session {mismatch.session_id} keeps {mismatch.kept}, rows say {mismatch.counted}"
                )
            differing += len(mismatched)
        if repair and differing:
            repaired = each_organisation_run(
                lambda organisation: attendance_counts_repair(), failure="Attendance counts of %s not repaired"
            )
            self.stdout.write(f"Recounted {sum(repaired.values())} sessions.")
            return
        self.stdout.write(f"{len(found)} organisations checked; {differing} sessions differ from their rows.")
        if differing:
            raise CommandError("Some sessions' attendance counts differ from their rows (run with --repair).")
