"""Where packet builds keep their plaintext pages: PACKET_TEMP_DIR/trip-<id>/build-XXXX/.

A build removes its folder when it ends, but a killed worker (SIGKILL, out of memory, a machine
restart) cannot. Filing the work by trip lets the purge remove a trip's leftovers before it
writes the deletion certificate, and the hourly sweep remove any folder older than a build can
live (CELERY_TASK_TIME_LIMIT, with margin).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings


def _base() -> Path:
    return Path(settings.PACKET_TEMP_DIR)


def trip_dir(trip_id: int) -> Path:
    return _base() / f"trip-{int(trip_id)}"


def new_build_dir(trip_id: int) -> Path:
    """A fresh 0700 folder for one build of this trip."""
    parent = trip_dir(trip_id)
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="build-", dir=parent))


def remove_trip_work(trip_id: int) -> int:
    """Remove every build folder of this trip (the purge); returns how many files went."""
    folder = trip_dir(trip_id)
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    shutil.rmtree(folder, ignore_errors=True)
    return files


def remove_stale_work(now: float | None = None) -> int:
    """Remove build folders no live build can own (the sweep); returns how many went."""
    base = _base()
    if not base.exists():
        return 0
    # Twice the build task's hard time limit: past it, the worker that made the folder is gone.
    cutoff = (now or time.time()) - 2 * settings.CELERY_TASK_TIME_LIMIT
    removed = 0
    for trip_folder in base.glob("trip-*"):
        for build in trip_folder.glob("build-*"):
            if build.stat().st_mtime < cutoff:
                shutil.rmtree(build, ignore_errors=True)
                removed += 1
        if trip_folder.exists() and not any(trip_folder.iterdir()):
            trip_folder.rmdir()
    return removed
