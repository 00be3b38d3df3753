from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: every change to a case goes through cases.services."""

    list_display = ["reference", "status", "submitted_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["reference"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
