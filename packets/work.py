"""Where a build's plaintext lives while it runs, and how it is removed whatever happens.

Each build works in a 0700 `packet-*` directory under `trip-<id>/` in PACKET_TEMP_DIR
(DATA_DIR/packet-work). A build removes its own directory when it ends; a build killed
mid-way (SIGKILL, a lost worker) cannot, so the directory is findable by trip: the purge removes
the trip's whole folder before it writes the certificate, the next build of the trip removes
stale siblings, and the sweep's reconciliation removes every directory older than STALE_AFTER.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

from .frontmatter import forget_trip_covers

# No live build is older than the task's hard time limit (packets.tasks.TIME_LIMIT, 6 min); the
# margin covers a synchronous `manage.py build_packet` on a loaded machine.
STALE_AFTER = datetime.timedelta(minutes=20)


def work_root() -> Path:
    return Path(settings.PACKET_TEMP_DIR)


def trip_work_dir(trip_id: int) -> Path:
    return work_root() / f"trip-{int(trip_id)}"


def new_build_dir(trip_id: int) -> Path:
    """A fresh 0700 directory for one build of the trip; stale ones of the trip go first."""
    parent = trip_work_dir(trip_id)
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_older_than(parent, STALE_AFTER)
    return Path(tempfile.mkdtemp(prefix="packet-", dir=parent))


def _remove_older_than(parent: Path, age: datetime.timedelta) -> int:
    cutoff = time.time() - age.total_seconds()
    removed = 0
    for path in parent.glob("packet-*"):
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def remove_trip_work(trip_id: int) -> int:
    """Remove the trip's build folders and cached front matter; how many folders went.

    The purge calls it inside its transaction, before it writes the certificate: the folders
    go now, the cached covers' rows now and their vault files after the commit.
    """
    forget_trip_covers(trip_id)
    path = trip_work_dir(trip_id)
    folders = len(list(path.glob("packet-*"))) if path.exists() else 0
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        raise OSError(f"the build folders of trip {trip_id} could not be removed")
    return folders


def remove_stale_work(age: datetime.timedelta = STALE_AFTER) -> int:
    """Remove build folders left by killed builds (the sweep's reconciliation); how many."""
    removed = 0
    for parent in work_root().glob("trip-*"):
        removed += _remove_older_than(parent, age)
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty
    return removed
