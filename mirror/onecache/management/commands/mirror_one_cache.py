"""`manage.py mirror_one_cache [--tag NAME]`: build the tables ONE's `load_cache()` downloads."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mirror.data.models import Tag
from mirror.onecache import build, store


class Command(BaseCommand):
    help = ("Build ONE's cache tables (sessions.pqt, datasets.pqt in cache.zip) served at "
            "/cache/info and /cache.zip. Run it after imports (a cron job, say): clients see "
            "what the last build saw.")

    def add_arguments(self, parser):
        parser.add_argument("--tag", default=None,
                            help="Only datasets with this dataset tag (and their sessions), "
                            "served at /cache/info/<tag>.")

    def handle(self, *args, tag, **options):
        if tag is not None and not Tag.objects.filter(name=tag).exists():
            known = ", ".join(Tag.objects.order_by("name").values_list("name", flat=True)[:20])
            raise CommandError(f"no dataset tag is named '{tag}'"
                               + (f"; tags: {known}" if known else "; there are no tags yet"))
        started = time.monotonic()
        try:
            info = build.build(origin=settings.MIRROR_PUBLIC_URL, tag=tag)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        sessions, datasets = info["tables"]["sessions"], info["tables"]["datasets"]
        size = sessions["size"] + datasets["size"]
        size_text = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
        self.stdout.write(
            f"ONE cache tables{f' for tag {tag}' if tag else ''}: {sessions['nrecs']:,} sessions, "
            f"{datasets['nrecs']:,} datasets, {size_text}, in {time.monotonic() - started:.1f} s"
            f" -> {store.zip_path(tag)}")
