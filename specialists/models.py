"""Specialists' profiles and credentials, declared conflicts, and the offers of cases made to them."""

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secondopinion.text import Text

from .regions import region_name

# Languages a specialist can write a report in (ISO 639-1). The case's `report_language` uses the
# same codes.
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pt", _("Portuguese")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("zh", _("Chinese")),
    ("ar", _("Arabic")),
    ("hi", _("Hindi")),
    ("ur", _("Urdu")),
    ("ru", _("Russian")),
    ("tr", _("Turkish")),
    ("ja", _("Japanese")),
    ("ko", _("Korean")),
]
LANGUAGE_NAMES = dict(LANGUAGES)


class Specialty(models.Model):
    """The controlled list of specialties and subspecialties (seeded, kept in the admin)."""

    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subspecialties",
        help_text=_("Set for a subspecialty: the specialty it belongs to."),
    )
    keywords = models.TextField(
        blank=True,
        help_text=_(
            "Words in a diagnosis or question that point to this specialty, one a line. "
            "Matching uses them to tell which specialty a case needs."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [line.strip().lower() for line in self.keywords.splitlines() if line.strip()]


def _valid_verified_licences(today: date | None = None) -> models.QuerySet:
    """The specialist's (OuterRef) licences that count today: verified and not expired."""
    return Licence.objects.filter(
        specialist=OuterRef("pk"),
        verified_at__isnull=False,
        expires_on__gte=today or timezone.localdate(),
    )


class SpecialistQuerySet(models.QuerySet):
    """Whether a specialist is verified is derived from their licences, never stored: verified
    while at least one of their licences is verified and not expired."""

    def verified(self, today: date | None = None) -> "SpecialistQuerySet":
        return self.filter(Exists(_valid_verified_licences(today)))

    def with_verification(self, today: date | None = None) -> "SpecialistQuerySet":
        """Annotate `verified_since` (what `is_verified` reads), so a list costs no query a row."""
        first = _valid_verified_licences(today).order_by("verified_at").values("verified_at")[:1]
        return self.annotate(verified_since=Subquery(first))


class Specialist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="specialist"
    )
    specialties = models.ManyToManyField(Specialty, related_name="specialists", blank=True)
    expertise = models.TextField(
        _("Areas of expertise"),
        blank=True,
        max_length=2000,
        help_text=_("One a line, for example “HER2-positive breast cancer”."),
    )
    institution = models.CharField(_("Current hospital or institution"), max_length=200, blank=True)
    bio = models.TextField(_("Short public bio"), blank=True, max_length=1000)
    max_open_cases = models.PositiveSmallIntegerField(
        _("Most cases open at once"),
        default=3,
        help_text=_("Cases you are reviewing plus offers waiting for your answer."),
    )
    typical_turnaround_days = models.PositiveSmallIntegerField(
        _("Typical days to write an opinion"), default=7
    )
    # Cases under review plus offers waiting for an answer, kept by the services that change
    # either (specialists.services.refresh_load, in the same transaction): matching reads it
    # instead of counting every specialist's cases.
    open_load = models.PositiveIntegerField(default=0, editable=False)
    preferred_topics = models.JSONField(
        _("Questions you most like to answer"), default=list, blank=True
    )  # the case's QuestionTopic values
    objects = SpecialistQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_open_cases__gte=1), name="specialist_takes_a_case"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    @cached_property
    def verified_since(self) -> datetime | None:
        """When the earliest of the specialist's valid verified licences was verified; None when
        none is (never verified, or the last one removed or expired). Read from
        `SpecialistQuerySet.with_verification()`'s annotation or from prefetched licences when
        there, else counted now."""
        today = timezone.localdate()
        cached = getattr(self, "_prefetched_objects_cache", {}).get("licences")
        if cached is not None:
            times = [lic.verified_at for lic in cached if lic.counts_on(today)]
            return min(times, default=None)
        return (
            self.licences.filter(verified_at__isnull=False, expires_on__gte=today)
            .order_by("verified_at")
            .values_list("verified_at", flat=True)
            .first()
        )

    @property
    def is_verified(self) -> bool:
        """Only verified specialists can be offered cases."""
        return self.verified_since is not None

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("verified_since", None)  # derived: counted again after a reload
        super().refresh_from_db(*args, **kwargs)

    @property
    def specialty(self) -> str:
        """The specialties as printed on pages and reports, subspecialties after their specialty."""
        chosen = sorted(self.specialties.all(), key=lambda s: (s.parent_id is not None, s.name))
        return ", ".join(s.name for s in chosen) or gettext("Specialty not given")

    @property
    def credentials(self) -> str:
        """Board certifications and licences, as printed on pages and reports."""
        parts = [str(certification) for certification in self.certifications.all()]
        parts += [
            gettext("licensed in %(region)s (%(number)s)")
            % {"region": licence.jurisdiction_name, "number": licence.number}
            for licence in self.licences.all()
        ]
        return "; ".join(parts) or gettext("No credentials given")

    @property
    def expertise_list(self) -> list[str]:
        return [line.strip() for line in self.expertise.splitlines() if line.strip()]


class SpecialistLanguage(models.Model):
    """A language the specialist writes reports in."""

    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(max_length=8, choices=LANGUAGES)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["specialist", "language"], name="one_row_per_language")
        ]
        indexes = [models.Index(fields=["language", "specialist"])]

    def __str__(self) -> str:
        return self.get_language_display()


class BoardCertification(models.Model):
    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="certifications"
    )
    name = models.CharField(_("Certified in"), max_length=200)
    board = models.CharField(_("Certifying board"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("Year certified"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        details = ", ".join(str(part) for part in (self.board, self.year) if part)
        if details:
            return gettext("Board certified in %(name)s (%(details)s)") % {
                "name": self.name,
                "details": details,
            }
        return gettext("Board certified in %(name)s") % {"name": self.name}


class Licence(models.Model):
    """A licence to practise. `jurisdiction` uses the codes of the case's `patient_region`; a
    country code (e.g. GB) covers every region of that country (GB-ENG, GB-SCT, …)."""

    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE, related_name="licences")
    jurisdiction = models.CharField(_("Where it is valid"), max_length=8)
    number = models.CharField(_("Licence number"), max_length=60)
    expires_on = models.DateField(_("Expiry date"))
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["specialist", "jurisdiction", "number"], name="one_row_per_licence"
            )
        ]
        indexes = [
            # Matching's first set: who holds a verified licence valid where the patient lives,
            # read from the index alone.
            models.Index(
                fields=["jurisdiction", "expires_on", "specialist"],
                condition=models.Q(verified_at__isnull=False),
                name="licence_verified_here",
            ),
            # The credentials page's two lists, each read a page at a time in its order: only
            # the licences waiting for a coordinator, and the verified ones by expiry.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(verified_at__isnull=True),
                name="licence_to_verify",
            ),
            models.Index(
                fields=["expires_on", "id"],
                condition=models.Q(verified_at__isnull=False),
                name="licence_verified_by_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.number}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def counts_on(self, day: date) -> bool:
        """Verified and not expired on `day`: what makes its specialist verified."""
        return self.is_verified and self.expires_on >= day

    @property
    def jurisdiction_name(self) -> str:
        return region_name(self.jurisdiction)


class Affiliation(models.Model):
    """A hospital or institution the specialist works or worked at (for conflict screening)."""

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="affiliations"
    )
    institution = models.CharField(_("Hospital or institution"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("From (year)"))
    end_year = models.PositiveSmallIntegerField(
        _("Until (year)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if you still work there."),
    )

    class Meta:
        ordering = ["-start_year", "id"]

    def __str__(self) -> str:
        return f"{self.institution} ({self.start_year}–{self.end_year or 'now'})"


class FinancialRelationship(models.Model):
    """A declared financial tie to a company, with the products it concerns."""

    class Kind(models.TextChoices):
        CONSULTING = "consulting", _("Consulting fees")
        SPEAKING = "speaking", _("Speaking fees")
        ADVISORY = "advisory", _("Advisory board")
        RESEARCH = "research", _("Research funding")
        OWNERSHIP = "ownership", _("Shares or ownership")
        ROYALTIES = "royalties", _("Royalties or patents")
        EMPLOYMENT = "employment", _("Employment")
        OTHER = "other", _("Other")

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="financial_relationships"
    )
    company = models.CharField(max_length=200)
    kind = models.CharField(_("Type"), max_length=16, choices=Kind.choices)
    products = models.TextField(
        blank=True,
        max_length=2000,
        help_text=_("The company's medicines or devices this concerns, one a line."),
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "id"]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_kind_display()})"

    @property
    def product_list(self) -> list[str]:
        return [line.strip() for line in self.products.splitlines() if line.strip()]


class UnavailablePeriod(models.Model):
    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="unavailable_periods"
    )
    starts_on = models.DateField(_("First day away"))
    ends_on = models.DateField(_("Last day away"))
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="unavailable_period_ends_after_it_starts",
            )
        ]
        indexes = [models.Index(fields=["specialist", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.starts_on:%-d %b %Y} to {self.ends_on:%-d %b %Y}"


class ConflictDeclaration(models.Model):
    """A family or practice relationship, declared by the specialist or recorded by a coordinator,
    against one case or against a named doctor (every case that doctor treats)."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("Family relationship")
        PRACTICE = "practice", _("Works in the same practice or team")
        PERSONAL = "personal", _("Personal relationship")
        OTHER = "other", _("Other")

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    kind = models.CharField(_("Relationship"), max_length=16, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
    )
    doctor_name = models.CharField(_("Doctor's name"), max_length=200, blank=True)
    details = models.CharField(max_length=500, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | ~models.Q(doctor_name=""),
                name="conflict_is_about_a_case_or_a_doctor",
            )
        ]

    def __str__(self) -> str:
        about = f"case {self.case_id}" if self.case_id else self.doctor_name
        return f"{self.get_kind_display()}: specialist {self.specialist_id} and {about}"


class Offer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class DeclineReason(models.TextChoices):
        CONFLICT = "conflict", _("I have a conflict of interest")
        NO_CAPACITY = "no_capacity", _("I don't have capacity now")
        OUTSIDE_EXPERTISE = "outside_expertise", _("It is outside my expertise")
        OTHER = "other", _("Another reason")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="offers")
    specialist = models.ForeignKey(Specialist, on_delete=models.PROTECT, related_name="offers")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Made in automatic mode: when it is declined or expires, the next ranked match is offered.
    automatic = models.BooleanField(default=False)
    # The specialty the coordinator matched for, when they chose one (automatic mode keeps it).
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_category = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    # What conflict-of-interest screening checked when the specialist accepted (shown to the
    # patient), and when the specialist attested that they have no conflict.
    screening = models.JSONField(default=dict, blank=True)
    attested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one open offer per case: two coordinators offering at once, one wins.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="open"),
                name="one_open_offer_per_case",
            ),
            # Never the same specialist twice for a case.
            models.UniqueConstraint(
                fields=["case", "specialist"], name="one_offer_per_specialist_per_case"
            ),
        ]
        indexes = [
            models.Index(fields=["specialist", "status"]),
            models.Index(fields=["status", "respond_by"]),
        ]

    def __str__(self) -> str:
        return f"Offer of case {self.case_id} to {self.specialist_id} ({self.status})"

    @property
    def decline_summary(self) -> str:
        """Why it was declined, in a coordinator's words."""
        return str(DECLINE_SUMMARIES.get(self.decline_category, ""))


# Which status an open offer may move to: the specialist answers it (accepted, declined), its
# time runs out (expired), or its case is withdrawn or cancelled (withdrawn). An offer that left
# "open" stays as it is: the case's history reads it. specialists.services.move_offer is the only
# code that changes an offer's status, and it refuses any move not listed here.
OFFER_TRANSITIONS: dict[str, frozenset[str]] = {
    Offer.Status.OPEN: frozenset(
        {
            Offer.Status.ACCEPTED,
            Offer.Status.DECLINED,
            Offer.Status.EXPIRED,
            Offer.Status.WITHDRAWN,
        }
    ),
    Offer.Status.ACCEPTED: frozenset(),
    Offer.Status.DECLINED: frozenset(),
    Offer.Status.EXPIRED: frozenset(),
    Offer.Status.WITHDRAWN: frozenset(),
}


DECLINE_SUMMARIES: dict[str, Text] = {
    Offer.DeclineReason.CONFLICT: _("a conflict of interest"),
    Offer.DeclineReason.NO_CAPACITY: _("no capacity"),
    Offer.DeclineReason.OUTSIDE_EXPERTISE: _("outside their expertise"),
    Offer.DeclineReason.OTHER: _("another reason"),
}


class LanguageWaiver(models.Model):
    """A coordinator's recorded decision that a case may go to a specialist who does not write
    its report language (matching treats that language as a hard requirement otherwise)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="language_waiver"
    )
    language = models.CharField(max_length=8)  # the report language that was waived
    reason = models.TextField(max_length=1000)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Report language waived on case {self.case_id}"
