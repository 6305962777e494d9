from django.contrib import admin

from .models import AuditEvent, Board, BoardAdmin, Membership, School


@admin.register(Board)
class BoardAdminPage(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(BoardAdmin)
class BoardAdminRowAdmin(admin.ModelAdmin):
    list_display = ("user", "board")
    list_filter = ("board",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "board", "grace_days")
    list_filter = ("board",)

    def has_delete_permission(self, request, obj=None):
        # Deleting a school would cascade to its trips' documents past the purge and its
        # certificate: schools are never deleted here.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "school", "role")
    list_filter = ("role", "school")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ("created_at", "action", "actor_role", "object_type", "object_id", "trip_id")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
