"""Under `make run` every process (web, worker, beat) builds links with the web's port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from schooltrips import datadir

PRINT_SITE_URL = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'schooltrips.settings');"
    " django.setup(); from django.conf import settings; print('url', settings.SITE_URL)"
)


@pytest.mark.slow
def test_make_run_gives_the_worker_the_web_port(tmp_path):
    if not shutil.which("make"):
        pytest.fail("make is required")
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    env["DATA_DIR"] = str(tmp_path / "data")
    datadir.prepare(tmp_path / "data", development=True)  # as `make run` does before honcho
    # What `make run` exports to honcho for PORT=8123.
    exported = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "site-url",
         "PORT=8123"],
        input="site-url:\n\t@echo $$SITE_URL\n",
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    site_url = exported.stdout.strip()
    assert site_url == "http://127.0.0.1:8123"
    # honcho then starts each Procfile entry with its own PORT; every one must see the same URL.
    # Each stays up after printing: honcho stops all when one exits, which could otherwise end
    # the other before it has printed (a slow start on a loaded machine).
    procfile = tmp_path / "Procfile"
    stay = "; import time; time.sleep(120)"
    procfile.write_text(
        "".join(
            f'{name}: {sys.executable} -u -c "{PRINT_SITE_URL}{stay}"\n'
            for name in ("web", "worker")
        )
    )
    honcho = os.path.join(os.path.dirname(sys.executable), "honcho")
    started = subprocess.Popen(
        [honcho, "start", "-f", str(procfile), "-d", str(settings.BASE_DIR)],
        cwd=settings.BASE_DIR, env={**env, "PORT": "8123", "SITE_URL": site_url},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    output, urls = [], []
    try:
        for line in started.stdout:
            output.append(line)
            if "url " in line:
                urls.append(line.split("url ", 1)[1].strip())
            if len(urls) == 2 or "stopped" in line:
                break
    finally:
        os.killpg(started.pid, signal.SIGTERM)
        started.communicate(timeout=60)
    assert urls == [site_url, site_url], "".join(output)
