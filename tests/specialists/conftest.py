"""Helpers for the specialists' tests: a case waiting for a specialist, and more specialists."""

import pytest

from cases.models import Case, Status
from specialists.models import Specialty
from tests.factories import SpecialistFactory, UserFactory


@pytest.fixture
def matching_case(actors):
    """`matching_case(**answers)`: alice's complete case in matching, with these answers."""

    def make(**answers) -> Case:
        case = actors.case(Status.MATCHING)
        if answers:
            Case.objects.filter(pk=case.pk).update(**answers)
        return Case.objects.get(pk=case.pk)

    return make


@pytest.fixture
def specialist(db):
    """`specialist("Dr Name", **fields)`: a matchable specialist (see SpecialistFactory)."""

    def make(name: str, *, subspecialty: str | None = None, **fields):
        email = name.lower().replace(" ", ".").replace("dr.", "dr-") + "@example.org"
        made = SpecialistFactory(user__full_name=name, user__email=email, **fields)
        if subspecialty:
            made.specialties.add(Specialty.objects.get(name=subspecialty))
        return made

    return make


@pytest.fixture
def coordinator(db):
    def make(name: str = "Colin Coordinator"):
        from secondopinion.accounts.models import Role

        return UserFactory(full_name=name, role=Role.COORDINATOR)

    return make
