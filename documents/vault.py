"""The encrypted vault: envelope encryption with one data key per trip (DESIGN.md §3).

Files are AES-256-GCM ciphertexts with a random 96-bit nonce and the object's id as associated
data, stored under random names behind Django's storage API (alias "vault"). Each trip's data key
is kept only wrapped by a master key from settings.VAULT_KEYS; destroying it makes every copy of
that trip's files unreadable, backups included (crypto-shredding).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.dispatch import receiver

from trips.models import PurgeState, Trip

from .models import TripKey

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12


class VaultError(Exception):
    """A file cannot be read: its key is destroyed, the master key is missing, or it was altered."""


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    key: bytes


@cache
def master_keys() -> tuple[MasterKey, ...]:
    """Parse VAULT_KEYS ("id:base64,id:base64", newest first)."""
    parsed = []
    for item in (settings.VAULT_KEYS or "").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured("VAULT_KEYS: a key is not valid base64") from exc
        if not sep or not key_id or len(key) != 32:
            raise ImproperlyConfigured("VAULT_KEYS entries must be 'id:base64(32 random bytes)'")
        parsed.append(MasterKey(key_id, key))
    if not parsed:
        raise ImproperlyConfigured("VAULT_KEYS is empty")
    return tuple(parsed)


@receiver(setting_changed)
def _forget_master_keys(setting, **kwargs):
    if setting == "VAULT_KEYS":
        master_keys.cache_clear()


def _master(key_id: str) -> MasterKey:
    for master in master_keys():
        if master.key_id == key_id:
            return master
    raise VaultError("the master key that wrapped this data key is not configured")


def _wrap_aad(trip_id: int, key_id: str) -> bytes:
    return f"trip-key:{trip_id}:{key_id}".encode()


def _wrap(trip_id: int, data_key: bytes) -> tuple[str, bytes]:
    master = master_keys()[0]
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = nonce + AESGCM(master.key).encrypt(nonce, data_key, _wrap_aad(trip_id, master.key_id))
    return master.key_id, wrapped


def _unwrap(trip_key: TripKey) -> bytes:
    master = _master(trip_key.master_key_id)
    wrapped = bytes(trip_key.wrapped_key)
    try:
        return AESGCM(master.key).decrypt(
            wrapped[:NONCE_BYTES],
            wrapped[NONCE_BYTES:],
            _wrap_aad(trip_key.trip_id, trip_key.master_key_id),
        )
    except InvalidTag as exc:
        raise VaultError("the trip's data key cannot be unwrapped") from exc


def data_key(trip_id: int, *, create: bool = False) -> bytes:
    """The trip's data key; created on first use when `create` is set.

    `create` refuses (VaultError) unless the trip is still active: the purge destroys the key
    when it marks the trip purging, and an upload finishing late must not bring it back. The
    trip row is locked while the key is made, so this cannot interleave with the purge's start.
    """
    if create:
        with transaction.atomic():
            state = (
                Trip.objects.select_for_update()
                .filter(pk=trip_id)
                .values_list("purge_state", flat=True)
                .first()
            )
            if state != PurgeState.ACTIVE:
                raise VaultError("this trip is being purged or gone: no new data key")
            trip_key = TripKey.objects.filter(trip_id=trip_id).first()
            if trip_key is None:
                key = AESGCM.generate_key(bit_length=256)
                key_id, wrapped = _wrap(trip_id, key)
                try:
                    with transaction.atomic():
                        TripKey.objects.create(
                            trip_id=trip_id, master_key_id=key_id, wrapped_key=wrapped
                        )
                    return key
                except IntegrityError:
                    # Two first uploads raced; the other one's key won, use it.
                    trip_key = TripKey.objects.get(trip_id=trip_id)
        return _unwrap(trip_key)
    trip_key = TripKey.objects.filter(trip_id=trip_id).first()
    if trip_key is None:
        raise VaultError("this trip has no data key (destroyed by the purge, or never made)")
    return _unwrap(trip_key)


def encrypt(trip_id: int, plaintext: bytes, *, aad: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    key = data_key(trip_id, create=True)
    return FORMAT_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode())


def decrypt(trip_id: int, blob: bytes, *, aad: str) -> bytes:
    if blob[:1] != FORMAT_VERSION:
        raise VaultError("unknown vault file format")
    nonce, ciphertext = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(data_key(trip_id)).decrypt(nonce, ciphertext, aad.encode())
    except InvalidTag as exc:
        raise VaultError("the file was altered or belongs to another object") from exc


def storage():
    return storages["vault"]


def new_name(trip_id: int) -> str:
    """A random storage name; nothing in it says whose file it is."""
    return f"t{trip_id}/{secrets.token_hex(16)}.bin"


def store(trip_id: int, plaintext: bytes, *, aad: str) -> str:
    """Encrypt and save; returns the storage name. Only ciphertext ever reaches the disk."""
    name = storage().save(new_name(trip_id), ContentFile(encrypt(trip_id, plaintext, aad=aad)))
    return name


def load(trip_id: int, name: str, *, aad: str) -> bytes:
    with storage().open(name, "rb") as handle:
        blob = handle.read()
    return decrypt(trip_id, blob, aad=aad)


class TripReader:
    """`load` for many files of one trip (a packet build): the data key is unwrapped once.

    `load` reads the trip's key from the database and unwraps it for every file: for a packet
    of 320 documents that was ~1 s of queries. The caller holds the key for the build's length:
    a purge that destroys it meanwhile removes the files too, so on a missing file the caller
    re-checks the key (`data_key`: VaultError when it is gone).
    """

    def __init__(self, trip_id: int):
        self.trip_id = trip_id
        self._aead = AESGCM(data_key(trip_id))

    def load(self, name: str, *, aad: str) -> bytes:
        with storage().open(name, "rb") as handle:
            blob = handle.read()
        if blob[:1] != FORMAT_VERSION:
            raise VaultError("unknown vault file format")
        view = memoryview(blob)  # no copy of a 5 MB ciphertext to slice off the nonce
        nonce, ciphertext = view[1 : 1 + NONCE_BYTES], view[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, aad.encode())
        except InvalidTag as exc:
            raise VaultError("the file was altered or belongs to another object") from exc


def remove(name: str) -> None:
    """Delete one vault file; missing files are fine (deletion is retried and reconciled)."""
    if name:
        storage().delete(name)


def destroy_data_key(trip_id: int) -> bool:
    """Crypto-shred a trip: after this no copy of its files can be decrypted. Idempotent."""
    deleted, _ = TripKey.objects.filter(trip_id=trip_id).delete()
    return bool(deleted)


def rotate_master_key() -> int:
    """Re-wrap every data key under the newest master key; files are untouched."""
    newest = master_keys()[0].key_id
    count = 0
    with transaction.atomic():
        for trip_key in TripKey.objects.exclude(master_key_id=newest).select_for_update():
            key = _unwrap(trip_key)
            trip_key.master_key_id, trip_key.wrapped_key = _wrap(trip_key.trip_id, key)
            trip_key.save(update_fields=["master_key_id", "wrapped_key"])
            count += 1
    return count
