"""Write docs/CONFIDENTIALITY.md and its Dutch twin from the code that enforces them (portal.confidentiality)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal import confidentiality


class Command(BaseCommand):
    help = "Write the confidentiality pages (docs/CONFIDENTIALITY*.md) from the policy and disclosure rules."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Change nothing; fail when a page is out of date.")

    def handle(self, *args, check: bool = False, **options):
        # The rules are compiled, never run, against an organisation's tables: the template schema has them all.
        connection.set_schema(settings.TENANT_BASE_SCHEMA)
        problems = confidentiality.disagreements()
        if problems:
            raise CommandError("The table disagrees with the policy:\n" + "\n".join(problems))
        stale = []
        for language, name in confidentiality.DOCUMENTS.items():
            path = settings.BASE_DIR / name
            text = confidentiality.render(language)
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(name)
            else:
                path.write_text(text)
                self.stdout.write(f"Wrote {name}")
        if stale:
            raise CommandError(f"Out of date: {', '.join(stale)}. Run `python manage.py confidentiality_doc`.")
