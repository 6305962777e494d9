"""A participant's documents end through the one deletion path whoever removes the participant.

Trips (floor 1) never import documents: removing a participant (the teacher's screen, a cascade)
sends `pre_delete`, and this receiver deletes the documents and upload links first, recording
their vault files in the same transaction so they go after the commit.
"""

from __future__ import annotations

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from trips.models import Participant

from .deletion import delete_participant_documents


@receiver(pre_delete, sender=Participant, dispatch_uid="documents_participant_removed")
def delete_documents_of_removed_participant(sender, instance: Participant, **kwargs) -> None:
    delete_participant_documents(instance.pk, instance.trip_id)
