"""An upload handler that keeps the guardian's file in memory and stops it past the limit.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not bound file parts, and its default handlers spill
large files to a temporary file on disk; ours never writes plaintext to disk and gives up on a
file as soon as it passes UPLOAD_MAX_BYTES, while the rest of the request is drained.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class BoundedMemoryUploadHandler(FileUploadHandler):
    """One file at most, at most `max_bytes`, held in memory. Flags say why a file was dropped."""

    chunk_size = 64 * 1024

    def __init__(self, request=None, *, max_bytes: int | None = None, max_files: int = 1):
        super().__init__(request)
        self.max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
        self.max_files = max_files
        self.files_seen = 0
        self.too_large = False
        self.too_many = False
        self._buffer: io.BytesIO | None = None
        self._size = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files_seen += 1
        if self.files_seen > self.max_files:
            self.too_many = True
            raise SkipFile
        self._buffer = io.BytesIO()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self._size += len(raw_data)
        if self._size > self.max_bytes:
            self.too_large = True
            self._buffer = None  # drop what we held at once
            raise SkipFile
        self._buffer.write(raw_data)
        return None  # no later handler sees the bytes

    def file_complete(self, file_size: int):
        if self._buffer is None:
            return None
        self._buffer.seek(0)
        upload = InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        self._buffer = None
        return upload
