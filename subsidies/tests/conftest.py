"""Fixtures of the subsidy tests: the kinds (loaded with the reference data), more staff for four eyes, ledger
records that can apply, and a private attachment directory per test."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from subsidies import services
from subsidies.models import ApplicantType, SubsidyKind
from targets.services import staff_user_save
from workers.models import EmploymentForm
from workers.tests.factories import EmployerFactory, EmploymentFactory, HouseholdFactory, WorkerFactory
from workers.validators import credit_code_check_char, organisation_code_check_char

_codes = itertools.count(1)


def make_credit_code() -> str:
    org = f"MA{next(_codes):06d}"
    body = "91500101" + org + organisation_code_check_char(org)
    return body + credit_code_check_char(body)


@pytest.fixture(autouse=True)
def _attachment_root(settings, tmp_path):
    settings.SUBSIDY_ATTACHMENT_ROOT = tmp_path / "attachments"
    settings.SUBSIDY_ATTACHMENT_MAX_BYTES = 64 * 1024


@pytest.fixture
def kinds(reference_data):
    return {kind.code: kind for kind in SubsidyKind.objects.all()}


def _staff(username, role, township=None):
    from conftest import STRONG_PASSWORD

    return staff_user_save(username=username, role=role, township=township, password=STRONG_PASSWORD)


@pytest.fixture
def clerk_a2(township_a):
    return _staff("clerk_a2", "clerk", "甘宁镇")


@pytest.fixture
def reviewer2(reference_data):
    return _staff("reviewer2", "reviewer")


@pytest.fixture
def reviewer3(reference_data):
    return _staff("reviewer3", "reviewer")


@pytest.fixture
def household_a(township_a):
    return HouseholdFactory(township=township_a)


def entrepreneur(township, household=None):
    """A worker with a 自主创业 employment at a market entity with a credit code."""
    worker = WorkerFactory(township=township, household=household)
    employer = EmployerFactory(credit_code=make_credit_code())
    job = EmploymentFactory(
        worker=worker, employer=employer, form=EmploymentForm.SELF_EMPLOYED, start_date=date(2025, 3, 1)
    )
    return worker, job


def startup_data(kinds, worker, job, amount, year=2025, entity_code=""):
    return services.ApplicationData(
        kind=kinds["startup"],
        year=year,
        applicant_type=ApplicantType.WORKER,
        worker=worker,
        employment=job,
        entity_code=entity_code,
        amount_requested=Decimal(amount),
    )


def advance(application, *, clerk, township_reviewer, district_reviewer, amount=None):
    """Draft → 区级审核通过 through the services with three different people."""
    services.application_submit(acting_user=clerk, application=application)
    services.application_township_approve(acting_user=township_reviewer, application=application)
    return services.application_district_approve(
        acting_user=district_reviewer, application=application, amount=amount
    )
