from django.contrib import admin

from .models import (
    Affiliation,
    BoardCertification,
    ConflictDeclaration,
    FinancialRelationship,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    """The controlled list: add, rename or re-parent specialties and tune their keywords here."""

    list_display = ["name", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "keywords"]


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    readonly_fields = ["verified_at", "verified_by"]


class LanguageInline(admin.TabularInline):
    model = SpecialistLanguage
    extra = 0


class CertificationInline(admin.TabularInline):
    model = BoardCertification
    extra = 0


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0


class FinancialRelationshipInline(admin.TabularInline):
    model = FinancialRelationship
    extra = 0


class UnavailablePeriodInline(admin.TabularInline):
    model = UnavailablePeriod
    extra = 0


class VerifiedFilter(admin.SimpleListFilter):
    """Verified or not, as derived from the licences (no column to filter on)."""

    title = "verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(verified_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(verified_since__isnull=True)
        return queryset


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ["user", "institution", "verified", "max_open_cases"]
    list_filter = [VerifiedFilter, "specialties"]
    search_fields = ["user__email", "user__full_name", "institution"]
    filter_horizontal = ["specialties"]
    inlines = [
        LicenceInline,
        LanguageInline,
        CertificationInline,
        AffiliationInline,
        FinancialRelationshipInline,
        UnavailablePeriodInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_verification()  # type: ignore[attr-defined]

    @admin.display(boolean=True, description="Verified")
    def verified(self, specialist: Specialist) -> bool:
        return specialist.is_verified


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    list_display = ["specialist", "kind", "case", "doctor_name", "declared_by", "declared_at"]
    list_filter = ["kind"]
    raw_id_fields = ["specialist", "case"]
    readonly_fields = ["declared_by", "declared_at"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["case", "specialist", "status", "automatic", "respond_by"]
    list_filter = ["status", "automatic"]
    readonly_fields = [
        "case",
        "specialist",
        "offered_by",
        "status",
        "responded_at",
        "decline_category",
        "decline_reason",
        "screening",
        "attested_at",
    ]
