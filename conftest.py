"""Root conftest: runs before Django settings load, so test runs get their own DATA_DIR."""

import os
import tempfile

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="schooltrips-test-"))
os.environ.setdefault("DJANGO_DEBUG", "1")
