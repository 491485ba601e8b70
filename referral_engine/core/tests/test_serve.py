"""`referral-engine serve` runs the real product under gunicorn, on its own SQLite database."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CLI = str(Path(sys.executable).with_name("referral-engine"))
PASSWORD = "a-long-enough-test-password"


def _env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "EMAIL_URL", "TEST_SQLITE_NAME"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{var_dir / 'serve.sqlite3'}",
        REFERRAL_ENGINE_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_sign_in_static_files_and_a_signed_in_admin(tmp_path):
    env = _env(tmp_path)
    subprocess.run([CLI, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run(
        [CLI, "createsuperuser", "--no-input", "--email", "root@example.test"],
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
        timeout=60,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 45
            login = None
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    login = client.get("/admin/login/")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            assert login is not None, f"serve never answered (exit code {server.poll()})"
            assert login.status_code == 200

            # WhiteNoise serves the collected assets from the same process.
            stylesheet = client.get("/static/admin/css/base.css")
            assert stylesheet.status_code == 200
            assert "text/css" in stylesheet.headers["content-type"]
            assert len(stylesheet.content) > 1000

            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
            signed_in = client.post(
                "/admin/login/?next=/admin/",
                data={"username": "root@example.test", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
                headers={"Referer": f"{base}/admin/login/"},
            )
            assert signed_in.status_code == 302, signed_in.text[:500]
            index = client.get("/admin/")
            assert index.status_code == 200
            assert "Referral Engine" in index.text
    finally:
        server.terminate()
        try:
            out, err = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()

    assert (
        f"Referral Engine is running at {base}/ — sign in there; the back office is at {base}/admin/" in out
    )
    # The access log goes to standard output, one line per request.
    assert '"GET /admin/login/ HTTP/1.1" 200' in out
    assert "gunicorn" in err


@pytest.mark.parametrize("port", ["0", "65536"])
def test_serve_refuses_a_port_outside_1_to_65535(tmp_path, port):
    result = subprocess.run(
        [CLI, "serve", "--port", port], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )

    assert result.returncode != 0
    assert "--port must be between 1 and 65535" in result.stderr
    assert "running at" not in result.stdout
