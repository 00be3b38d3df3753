"""The user: one account per person, signing in by email, with exactly one role."""

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    PATIENT = "patient", pgettext_lazy("role", "Patient")
    CAREGIVER = "caregiver", pgettext_lazy("role", "Caregiver")
    SPECIALIST = "specialist", pgettext_lazy("role", "Specialist")
    COORDINATOR = "coordinator", pgettext_lazy("role", "Coordinator")


# Roles that read other people's health information; they must use MFA before opening a case.
STAFF_ROLES = frozenset({Role.SPECIALIST, Role.COORDINATOR})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=Role.COORDINATOR)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    # The language the person reads the service and its emails in; blank until they choose one
    # (the switch on every page, or sign-up, which keeps the language they signed up in). Blank
    # follows the browser on the pages and is English in email (languages.language_of).
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    is_active = models.BooleanField(default=True)
    # Django admin access; superusers only (coordinators work in the app's own pages).
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        indexes = [
            # The coordinators a case can be assigned to (every queue page lists them): a few
            # rows read in order, not a scan of every patient's account.
            models.Index(
                fields=["full_name", "id"],
                condition=models.Q(role="coordinator", is_active=True),
                name="user_active_coordinators",
            ),
            # The few switched-off accounts: matching leaves them out without reading every
            # user (patients included) on each ranking.
            models.Index(fields=["id"], condition=models.Q(is_active=False), name="inactive_users"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_patient_side(self) -> bool:
        return self.role in (Role.PATIENT, Role.CAREGIVER)

    @property
    def needs_mfa(self) -> bool:
        return self.role in STAFF_ROLES or self.is_superuser
