"""The vault on an S3-compatible store (moto's server over real HTTP on loopback)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from documents import vault
from documents.models import Document
from documents.storage import NoURLError

from . import files
from .test_upload_view import _post


@pytest.fixture
def guardian():
    from django.test import Client

    return Client(enforce_csrf_checks=True)


def test_guardian_upload_lands_encrypted_and_private_in_the_bucket(
    s3_vault, guardian, upload_url, participant, settings
):
    response = _post(guardian, upload_url, files.jpeg_with_gps())
    assert response.status_code == 302
    document = Document.objects.get()
    assert s3_vault.object_keys() == [document.storage_name]
    blob = s3_vault.read(document.storage_name)
    assert blob.startswith(vault.FORMAT_VERSION) and b"\xff\xd8\xff" not in blob[:64]
    assert files.MARKER.encode() not in blob
    assert document.read_content().startswith(b"\xff\xd8\xff")
    grants = s3_vault.client().get_object_acl(Bucket=s3_vault.bucket, Key=document.storage_name)
    assert [g["Permission"] for g in grants["Grants"]] == ["FULL_CONTROL"]
    assert "URI" not in grants["Grants"][0]["Grantee"]  # no AllUsers/AuthenticatedUsers grant
    # Nothing was written to the local vault directory.
    assert not [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]


def test_vault_objects_have_no_url(s3_vault, participant):
    name = vault.store(participant.trip_id, b"secret", aad="x")
    with pytest.raises(NoURLError):
        vault.storage().url(name)


def test_s3_without_a_bucket_is_refused(monkeypatch):
    from schooltrips.settings import vault_storage

    monkeypatch.setenv("VAULT_STORAGE_BACKEND", "s3")
    monkeypatch.delenv("VAULT_S3_BUCKET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="VAULT_S3_BUCKET"):
        vault_storage()
    monkeypatch.setenv("VAULT_S3_BUCKET", "b")
    monkeypatch.setenv("VAULT_S3_ADDRESSING_STYLE", "sideways")
    with pytest.raises(ImproperlyConfigured, match="ADDRESSING_STYLE"):
        vault_storage()


def test_s3_options_come_from_the_environment(monkeypatch, tmp_path):
    from schooltrips.settings import vault_storage

    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    for name, value in {
        "VAULT_STORAGE_BACKEND": "s3",
        "VAULT_S3_BUCKET": "board-vault",
        "VAULT_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "VAULT_S3_REGION": "ap-northeast-1",
        "VAULT_S3_ACCESS_KEY_ID": "AKIA",
        "VAULT_S3_SECRET_ACCESS_KEY_FILE": str(secret),
        "VAULT_S3_ADDRESSING_STYLE": "virtual",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VAULT_S3_SECRET_ACCESS_KEY", raising=False)
    config = vault_storage()
    assert config["BACKEND"] == "documents.storage_s3.VaultS3Storage"
    assert config["OPTIONS"] == {
        "bucket_name": "board-vault",
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "ap-northeast-1",
        "access_key": "AKIA",
        "secret_key": "from-a-file",
        "addressing_style": "virtual",
        "location": "",
    }
