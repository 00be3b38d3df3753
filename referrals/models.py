"""Referral sources (clinics and doctors with a link to refer patients) and the referrals they
make, each claimed by the patient's account."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, new_reference


class ReferralSource(models.Model):
    """A referring organisation or doctor with its own referral link, revocable at any time.

    The link's token is derived from `nonce` and the secret key; only its SHA-256 is stored to
    find the source, so a database copy cannot rebuild a working link.
    """

    name = models.CharField(_("Organisation or doctor"), max_length=200)
    contact_email = models.EmailField(_("Contact email address"))
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Referral(models.Model):
    """A patient referred by a doctor or organisation (through a source's link, or entered by a
    coordinator), invited by email to sign up and claim a draft case pre-filled from it.

    The referrer hears about the case only while the patient consents (`referrer_updates`).
    """

    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    source = models.ForeignKey(
        ReferralSource, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_name = models.CharField(_("Your name"), max_length=200)
    referrer_email = models.EmailField(_("Your email address"))
    patient_name = models.CharField(_("The patient's full name"), max_length=200)
    patient_email = models.EmailField(_("The patient's email address"))
    diagnosis = models.TextField(_("The current diagnosis"), max_length=4000)
    treating_doctor = models.CharField(_("The doctor who made the diagnosis"), max_length=200)
    treating_institution = models.CharField(_("The hospital or clinic"), max_length=200, blank=True)
    question = models.TextField(
        _("What should the specialist look at?"), max_length=4000, blank=True
    )
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="referral"
    )
    referrer_updates = models.BooleanField(
        _("Send the doctor who referred me an email when my request moves on"), default=False
    )
    referrer_updates_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Referral {self.reference}"
