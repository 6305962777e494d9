"""Metadata only: the Django admin never shows or serves document contents or tokens."""

from django.contrib import admin

from .models import Document, UploadLink


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "review_state", "pages", "size", "uploaded_at"]
    list_filter = ["kind", "review_state"]
    fields = ["kind", "review_state", "pages", "size", "content_type", "flags", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Documents end only through documents/deletion.py (files after the commit, a
        # certificate when the purge does it); a bare row delete would leave the vault file.
        return False


@admin.register(UploadLink)
class UploadLinkAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "revoked_at"]
    fields = ["created_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
