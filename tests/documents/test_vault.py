"""The encrypted vault: envelope keys per trip, crypto-shredding and master-key rotation."""

from __future__ import annotations

import base64
import secrets

import pytest

from documents import vault
from tests.factories import TripFactory


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def trip(db):
    return TripFactory()


def test_store_writes_only_ciphertext_under_a_random_name(trip, settings):
    secret = "資格情報 MARKER-7f3a 保険者番号".encode()
    name = vault.store(trip.pk, secret, aad="document:1")
    files = [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]
    assert len(files) == 1
    on_disk = files[0].read_bytes()
    assert b"MARKER-7f3a" not in on_disk
    assert (files[0].stat().st_mode & 0o777) == 0o600
    assert "MARKER" not in name
    assert vault.load(trip.pk, name, aad="document:1") == secret


def test_wrong_associated_data_is_refused(trip):
    name = vault.store(trip.pk, b"content", aad="document:1")
    with pytest.raises(vault.VaultError):
        vault.load(trip.pk, name, aad="document:2")


def test_each_trip_has_its_own_data_key(db):
    first, second = TripFactory(), TripFactory()
    blob = vault.encrypt(first.pk, b"content", aad="x")
    vault.data_key(second.pk, create=True)
    with pytest.raises(vault.VaultError):
        vault.decrypt(second.pk, blob, aad="x")


def test_destroying_the_data_key_makes_every_copy_unreadable(trip):
    name = vault.store(trip.pk, b"content", aad="document:1")
    with vault.storage().open(name) as stored:
        backup_copy = stored.read()
    assert vault.destroy_data_key(trip.pk) is True
    assert vault.destroy_data_key(trip.pk) is False  # idempotent
    with pytest.raises(vault.VaultError):
        vault.decrypt(trip.pk, backup_copy, aad="document:1")


def test_rotation_rewraps_keys_and_old_files_still_read(trip, settings):
    settings.VAULT_KEYS = f"old:{_key()}"
    name = vault.store(trip.pk, b"before rotation", aad="document:1")
    settings.VAULT_KEYS = f"new:{_key()},{settings.VAULT_KEYS}"
    assert vault.rotate_master_key() == 1
    assert vault.rotate_master_key() == 0
    # The old master key can now be retired: files still read with the new one alone.
    settings.VAULT_KEYS = settings.VAULT_KEYS.split(",")[0]
    assert vault.load(trip.pk, name, aad="document:1") == b"before rotation"


def test_a_missing_master_key_is_a_clear_error(trip, settings):
    settings.VAULT_KEYS = f"old:{_key()}"
    name = vault.store(trip.pk, b"x", aad="a")
    settings.VAULT_KEYS = f"other:{_key()}"
    with pytest.raises(vault.VaultError):
        vault.load(trip.pk, name, aad="a")


def test_a_trip_reader_loads_many_files_with_one_key_lookup(trip, django_assert_num_queries):
    names = [vault.store(trip.pk, f"file {i}".encode(), aad=f"document:{i}") for i in range(5)]
    with django_assert_num_queries(1):  # the key, once
        reader = vault.TripReader(trip.pk)
        loaded = [reader.load(name, aad=f"document:{i}") for i, name in enumerate(names)]
    assert loaded == [f"file {i}".encode() for i in range(5)]
    with pytest.raises(vault.VaultError):
        reader.load(names[0], aad="document:1")  # another object's file


def test_a_trip_reader_needs_the_key(trip):
    vault.store(trip.pk, b"content", aad="document:1")
    vault.destroy_data_key(trip.pk)
    with pytest.raises(vault.VaultError):
        vault.TripReader(trip.pk)
