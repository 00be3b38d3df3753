from django.contrib import admin

from .models import Case, ConsentText, ConsentTranslation, Price


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


class ConsentTranslationInline(admin.StackedInline):
    """The version's wording in another language; fixed, like the version, once someone signed."""

    model = ConsentTranslation
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.consents.exists()

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Superusers publish consent versions. A version someone has signed is never changed:
    add the next version instead, and patients are asked to sign it before their next submission."""

    list_display = ["version", "published_at", "created_at"]
    ordering = ["-version"]
    inlines = [ConsentTranslationInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.consents.exists():
            return ["version", "body", "published_at"]
        return []

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.consents.exists()


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    """The price list. A submitted case keeps the price it was submitted at."""

    list_display = ["review_type", "amount", "currency", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # a missing price would stop that kind of review being submitted
