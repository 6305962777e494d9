"""What the purge deletes for one trip, through the owning apps' deletion functions.

`retention` decides *when*; each app knows *how* to delete its own data (DESIGN.md §3): the same
functions serve a guardian's withdrawal, a teacher's delete button and this purge. Each owner
records its vault files in the deleting transaction (documents/deletion.py `discard_files`), so
they go after the commit and are retried by every sweep until they are gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from documents.deletion import delete_trip_documents
from packets.services import delete_trip_packets


@dataclass
class Removed:
    documents: int = 0
    packets: int = 0
    files: int = 0


def delete_trip_data(trip_id: int) -> Removed:
    """Delete a trip's documents (with their upload links) and packets; queue their vault files.

    Call inside the purge transaction. The trip, its participants (the roster), paper-copy
    records, incident notes and the audit trail are kept.
    """
    documents = delete_trip_documents(trip_id)
    packets = delete_trip_packets(trip_id)
    return Removed(
        documents=documents["documents"],
        packets=packets["packets"],
        files=documents["files"] + packets["files"],
    )
