from typing import Any

from django.core.management.base import BaseCommand

from care.demo import DEMO_PASSWORD, DEPARTMENT_CLERK, TEAM, load_demo_data


class Command(BaseCommand):
    help = "Load the demo team, departments and channel accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo_data()
        for line in created:
            self.stdout.write(f"  created {line}")
        if not created:
            self.stdout.write("  demo data already loaded; nothing changed")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for person in TEAM:
            self.stdout.write(
                f"  {person.username:<6} {person.role:<10} ^{person.initials}  {person.name}"
            )
        username, name, department = DEPARTMENT_CLERK
        self.stdout.write(f"  {username:<6} {department} department (not an agent)  {name}")
