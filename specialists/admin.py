from django.contrib import admin

from .models import Offer, Specialist


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ["user", "specialty", "institution", "is_verified"]
    list_filter = ["is_verified", "specialty"]
    search_fields = ["user__email", "user__full_name", "specialty"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["case", "specialist", "status", "respond_by"]
    list_filter = ["status"]
    readonly_fields = ["case", "specialist", "offered_by", "status", "responded_at"]
