"""factory_boy factories for the ledger. Valid ID numbers are generated with the real check character."""

import random
from datetime import date

import factory

from targets.models import Industry, Township
from workers.models import Employer, Employment, EmploymentForm, Household, Worker, Workplace
from workers.services import employer_key, registration_open, township_on
from workers.validators import id_number_check_char, id_number_info

_rng = random.Random(20250718)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def make_id_number(birth: date | None = None, *, region: str = "500101", female: bool | None = None) -> str:
    birth = birth or date(_rng.randint(1960, 2000), _rng.randint(1, 12), _rng.randint(1, 28))
    seq = _rng.randint(0, 499) * 2 + (0 if female else 1) if female is not None else _rng.randint(0, 999)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + id_number_check_char(body)


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker
        skip_postgeneration_save = True

    id_number = factory.LazyFunction(make_id_number)
    name = factory.Sequence(lambda n: _SURNAMES[n % 20] + _GIVEN[(n // 20) % 20] + _GIVEN[(n // 400) % 20])
    township = factory.LazyFunction(lambda: Township.objects.get(name="甘宁镇"))
    sex = factory.LazyAttribute(lambda o: id_number_info(o.id_number).sex)
    birth_date = factory.LazyAttribute(lambda o: id_number_info(o.id_number).birth_date)

    @factory.post_generation
    def registration(obj, create, extracted, **kwargs):
        """Every worker has a registration period (rule 4.1), as `worker_register` gives it."""
        if create:
            registration_open(worker=obj)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"5001010{n:08d}")
    township = factory.LazyFunction(lambda: Township.objects.get(name="甘宁镇"))


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"万州测试企业{n}有限公司")
    name_key = factory.LazyAttribute(lambda o: employer_key(o.name))


class EmploymentFactory(factory.django.DjangoModelFactory):
    """Writes straight to the table (for selector tests); service tests go through `employment_record`."""

    class Meta:
        model = Employment

    worker = factory.SubFactory(WorkerFactory)
    employer = factory.SubFactory(EmployerFactory)
    employer_key = factory.LazyAttribute(lambda o: o.employer.name_key)
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="02"))
    workplace = Workplace.IN_DISTRICT
    workplace_township = factory.LazyAttribute(
        lambda o: o.worker.township if o.workplace == Workplace.IN_DISTRICT else None
    )
    form = EmploymentForm.UNIT
    start_date = date(2025, 3, 15)
    registration_township_id = factory.LazyAttribute(lambda o: township_on(o.worker, o.start_date))
