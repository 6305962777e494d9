"""The vault on an S3-compatible store (AWS S3, MinIO, Ceph, ...) through django-storages.

Imported only when VAULT_STORAGE_BACKEND=s3 (boto3 is slow to import). Objects are private, no
signed or public URL is ever made, and only ciphertext is uploaded (documents/vault.py).
"""

from __future__ import annotations

from botocore.config import Config
from storages.backends.s3 import S3Storage

from .storage import NoURLError


class VaultS3Storage(S3Storage):
    def get_default_settings(self) -> dict:
        defaults = super().get_default_settings()
        defaults.update(
            default_acl="private",
            querystring_auth=False,
            # Names are random (vault.new_name): no existence check before each upload.
            file_overwrite=True,
            custom_domain=None,
            # A store that is down must fail fast: a pending deletion is retried by the next
            # sweep, and an upload shows its error page instead of hanging.
            client_config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        return defaults

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        raise NoURLError("vault files have no URL")
