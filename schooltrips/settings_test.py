"""Settings of the test suite: the site's own, plus what only tests need.

pytest uses this module (pyproject.toml); processes a test starts as a site of their own (app
servers, workers, `manage.py`) use schooltrips.settings, as production does.
"""

import os
import tempfile
from pathlib import Path

from schooltrips import datadir

# A test run never reads or leaves files in the development data: a private DATA_DIR unless
# one is given (CI gives one), prepared as `make run` prepares var/.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="schooltrips-test-"))
datadir.prepare(Path(os.environ["DATA_DIR"]), development=True)

from schooltrips.settings import *  # noqa: E402, F403
from schooltrips.settings import DATABASE_URL, DATABASES  # noqa: E402

if DATABASE_URL:
    # Live-server and worker threads close their connection after each request or task, so
    # none holds the test database open when pytest drops it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if os.environ.get("TEST_DATABASE_NAME"):
        # CI names it after its own throw-away database, so parallel runs never share one.
        DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# The browser suite drives Debian's Chromium.
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
