"""The vault's storage backends: local disk here, any S3-compatible store in storage_s3.py.

These two modules are the only code that knows where encrypted blobs are kept. The vault hands
them ciphertext only (documents/vault.py encrypts first), and nothing in the vault is ever
reachable by URL: `url()` refuses, objects are private, and no signed links are made.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class NoURLError(RuntimeError):
    """Vault files are served only through the access-checked download views, never by URL."""


class VaultFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise NoURLError("vault files have no URL")
