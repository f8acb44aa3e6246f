"""`koers demo-logins`: print the demo logins (all with password `demo`)."""

from django.core.management.base import BaseCommand

from koers.demo.cast import NAMED
from koers.org.models import Person


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Koers is served")

    def handle(self, *args, **options) -> None:
        people = {
            p.user.username: p
            for p in Person.objects.select_related("user", "unit").filter(
                user__username__in=[n.username for n in NAMED]
            )
        }
        if not people:
            self.stdout.write("No demo logins: the demo organisation is not loaded.")
            return
        self.stdout.write("\nDemo logins (password for each: demo)")
        for named in NAMED:
            person = people.get(named.username)
            if person:
                role = person.get_role_display()
                self.stdout.write(f"  {named.username:<16} {person} – {role}, {person.unit}")
        self.stdout.write(f"\nOpen {options['url']} and log in.\n")
