"""Settings are read from the environment once, at import: each case runs Django in a fresh process."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPORT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in %r}, default=str))"
)


def run_django(
    tmp_path: Path, print_settings: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REFERRAL_ENGINE_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    code = REPORT % (list(print_settings),) if print_settings else "import django; django.setup()"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60
    )


def settings_of(tmp_path: Path, *names: str, **env: str) -> dict:
    result = run_django(tmp_path, names, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused(result: subprocess.CompletedProcess, name: str) -> None:
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert name in last_line


def test_debug_must_be_true_or_false(tmp_path):
    assert_refused(run_django(tmp_path, DEBUG="maybe"), "DEBUG")
    assert settings_of(tmp_path, "DEBUG", DEBUG="yes") == {"DEBUG": True}
    assert settings_of(tmp_path, "DEBUG") == {"DEBUG": False}


@pytest.mark.parametrize(
    "url",
    [
        "mysql://referral:s3cret-pw@db.example.test/referral",
        "garbage",
        "postgres://referral:s3cret-pw@db.example.test:notaport/referral",
        "postgres://referral:s3cret-pw@db.example.test:5432",
    ],
)
def test_a_database_url_the_product_cannot_use_is_refused_by_name(tmp_path, url):
    result = run_django(tmp_path, DATABASE_URL=url)

    assert_refused(result, "DATABASE_URL")
    assert "s3cret-pw" not in result.stderr


def test_a_postgresql_database_url_is_parsed(tmp_path):
    databases = settings_of(
        tmp_path, "DATABASES", DATABASE_URL="postgres://referral:pw@db.example.test:6543/engine"
    )["DATABASES"]

    assert databases["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert (databases["default"]["HOST"], databases["default"]["PORT"]) == ("db.example.test", 6543)
    assert (databases["default"]["NAME"], databases["default"]["USER"]) == ("engine", "referral")


def test_a_short_secret_key_is_refused(tmp_path):
    assert_refused(run_django(tmp_path, SECRET_KEY="too-short"), "SECRET_KEY")


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("k" * 40 + "-from-a-mounted-secret\n")

    assert settings_of(tmp_path, "SECRET_KEY", SECRET_KEY_FILE=str(key_file)) == {
        "SECRET_KEY": "k" * 40 + "-from-a-mounted-secret"
    }
    assert_refused(run_django(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing")), "SECRET_KEY_FILE")


def test_without_a_secret_key_one_is_generated_private_and_kept(tmp_path):
    first = settings_of(tmp_path, "SECRET_KEY")["SECRET_KEY"]
    key_file = tmp_path / "var" / "secret-key"

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert settings_of(tmp_path, "SECRET_KEY")["SECRET_KEY"] == first


def test_an_smtp_email_url_is_parsed(tmp_path):
    names = (
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
    )
    mail = settings_of(tmp_path, *names, EMAIL_URL="smtp://mailer:p%40ss@mail.example.test:587/?tls=True")

    assert mail == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.test",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
    }
    assert settings_of(tmp_path, "EMAIL_BACKEND") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


@pytest.mark.parametrize("url", ["garbage", "smtp://mail.example.test:notaport"])
def test_an_email_url_the_product_cannot_use_is_refused_by_name(tmp_path, url):
    assert_refused(run_django(tmp_path, EMAIL_URL=url), "EMAIL_URL")
