"""`manage.py load_demo`: the demo lab with real files (safe to run again)."""
from django.core.management.base import BaseCommand

from mirror.core.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo


class Command(BaseCommand):
    help = "Create the demo user, lab, subjects, sessions and dataset files (once)."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write(f"Demo data ready. Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}.")
