"""`referral-engine serve`: the product behind gunicorn, a production-grade WSGI server, with no other setup.

Gunicorn is driven through its programmatic API (gunicorn.app.base.BaseApplication) so the console script stays
the one entry point: no second binary to find on PATH, and the settings already loaded are the ones served.
"""

import os

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    # Gunicorn's rule of thumb (2 x cores + 1), capped so a small SQLite install does not fork a crowd.
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class ReferralEngineServer(BaseApplication):
    def __init__(self, *, application, options: dict):
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        # Only our options: no gunicorn.conf.py from the working directory and no GUNICORN_CMD_ARGS, so what
        # runs is what `serve --help` describes.
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


class Command(BaseCommand):
    help = "Serve Referral Engine over HTTP with gunicorn (static files through WhiteNoise)."
    # Warn, as runserver does, when the database is behind the code.
    requires_migrations_checks = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default: 2 x CPU cores + 1, at most 8).",
        )

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, not {workers}.")
        if not host.strip():
            raise CommandError("--host must not be empty.")

        self._ensure_static_files()

        from config.wsgi import application

        base = f"http://{url_host(host)}:{port}"
        self.stdout.write(
            f"Referral Engine is running at {base}/ — sign in there; the back office is at {base}/admin/ "
            "(stop with Ctrl+C).",
            ending="\n",
        )
        self.stdout.flush()
        # Workers are forked from this process: none may inherit a database connection opened by the checks.
        connections.close_all()
        ReferralEngineServer(
            application=application,
            options={
                "bind": [f"{url_host(host)}:{port}"],
                "workers": workers,
                # Threads per worker keep a slow client from holding a whole process.
                "worker_class": "gthread",
                "threads": 4,
                "accesslog": "-",
                "errorlog": "-",
                "proc_name": "referral-engine",
                # Gunicorn's control socket has one default path per user, which two servers would fight over.
                "control_socket_disable": True,
            },
        ).run()

    def _ensure_static_files(self) -> None:
        # The manifest storage refuses to render a page whose assets were never collected, so a first start
        # without `collectstatic` would answer every page with a server error. Collect them once instead.
        manifest = getattr(staticfiles_storage, "manifest_name", None)
        if manifest is None or staticfiles_storage.exists(manifest):
            return
        self.stdout.write(f"Collecting static files into {settings.STATIC_ROOT} (first start) …")
        call_command("collectstatic", interactive=False, verbosity=0)
