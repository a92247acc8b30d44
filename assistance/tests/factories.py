"""factory_boy factories for assistance; selector tests write rows directly, service tests use services."""

from datetime import date
from decimal import Decimal

import factory

from assistance.models import (
    Course,
    CourseKind,
    Enrolment,
    EnrolmentCategory,
    Participation,
    PostKind,
    PublicWelfarePost,
    Recognition,
    RecognitionKind,
    RecruitmentEvent,
    ServiceKind,
    ServiceRecord,
)
from assistance.services import follow_up_until
from workers.tests.factories import WorkerFactory


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    worker = factory.SubFactory(WorkerFactory)
    category = EnrolmentCategory.MONITORED
    entry_date = date(2025, 1, 10)
    entry_reason = "监测识别"


class ServiceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRecord

    worker = factory.SubFactory(WorkerFactory)
    kind = ServiceKind.POLICY
    date = date(2025, 3, 1)
    provided_by = "张经办"
    employer_name = factory.LazyAttribute(lambda o: "万州某企业" if o.kind == ServiceKind.JOB_PUSH else "")

    @factory.lazy_attribute
    def post_name(self):
        return "普工" if self.kind == ServiceKind.JOB_PUSH else ""


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicWelfarePost

    worker = factory.SubFactory(WorkerFactory)
    kind = PostKind.INFRASTRUCTURE
    start_date = date(2025, 2, 1)
    monthly_subsidy = Decimal("800.00")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"电工培训{n}期")
    kind = CourseKind.PROJECT
    provider = "万州职教中心"
    start_date = date(2025, 3, 1)
    end_date = date(2025, 3, 31)
    follow_up_until = factory.LazyAttribute(lambda o: follow_up_until(o.end_date))


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    course = factory.SubFactory(CourseFactory)
    worker = factory.SubFactory(WorkerFactory)
    completed = True


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecruitmentEvent

    name = factory.Sequence(lambda n: f"春风行动专场{n}")
    date = date(2025, 3, 1)
    mode = RecruitmentEvent.Mode.OFFLINE
    organiser = "区就业服务中心"


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    worker = factory.SubFactory(WorkerFactory)
    kind = RecognitionKind.SPECIAL_HARDSHIP
    recognised_on = date(2025, 1, 10)
    basis = "特困供养证"
