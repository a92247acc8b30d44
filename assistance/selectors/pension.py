"""**代缴养老保险费** (issue 20, item 5): the people of year Y whose 城乡居民基本养老保险 premium the government pays.

City document §十四: "继续实施城乡居民基本养老保险费代缴政策，为特困人员、重度残疾人按最低缴费档次标准全额代缴，为低保
对象按不低于最低缴费档次标准的70%代缴，确保符合条件的防止返贫致贫对象和继续帮扶对象纳入政策支持范围".

A person is on the list of Y when, in Y,
* they are a 防止返贫致贫对象 or 继续帮扶对象 — an enrolment of that category overlapping Y, or the ledger's
  人员类别 flag (`Worker.is_monitored`, `Worker.is_continued_support`); and
* they are 特困人员 or 重度残疾人 (a `Recognition` overlapping Y; 重度 = grade 1–2): paid in full at the lowest
  tier of Y; otherwise 低保对象 (`Worker.is_dibao`): paid the year's share (≥ 70 %) of the lowest tier.
Without the year's `PensionStandard` there is no amount and so no list.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_UP, Decimal

from django.db.models import Case, CharField, DecimalField, Exists, OuterRef, Q, QuerySet, Value, When

from workers.models import Worker

from ..models import (
    SEVERE_DISABILITY_GRADES,
    Enrolment,
    EnrolmentCategory,
    PensionStandard,
    Recognition,
    RecognitionKind,
)
from ._common import _ids_filter

BASIS_HARDSHIP = "特困人员"
BASIS_SEVERE_DISABILITY = "重度残疾人"
BASIS_DIBAO = "低保对象"


@dataclass(frozen=True)
class PensionAmounts:
    standard: PensionStandard
    full: Decimal  # 特困人员, 重度残疾人
    dibao: Decimal  # 低保对象: the share of the lowest tier, rounded up to the fen so it is never below it


def pension_amounts(year: int) -> PensionAmounts | None:
    standard = PensionStandard.objects.filter(year=year).first()
    if standard is None:
        return None
    share = (standard.lowest_tier * standard.dibao_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_UP)
    return PensionAmounts(standard=standard, full=standard.lowest_tier, dibao=share)


def _recognised_in(year: int, condition: Q) -> Exists:
    first, last = date(year, 1, 1), date(year, 12, 31)
    return Exists(
        Recognition.objects.filter(condition, worker=OuterRef("pk"), recognised_on__lte=last).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=first)
        )
    )


def pension_people(*, year: int, township_ids=None) -> QuerySet:
    """The year's list, annotated with `basis` (特困人员 / 重度残疾人 / 低保对象) and `amount` (元); empty while the
    year has no standard. Ordered by township, village and name, as the agency files them."""
    amounts = pension_amounts(year)
    if amounts is None:
        return Worker.objects.none()
    first, last = date(year, 1, 1), date(year, 12, 31)
    enrolled = Exists(
        Enrolment.objects.filter(
            worker=OuterRef("pk"),
            category__in=[EnrolmentCategory.MONITORED, EnrolmentCategory.CONTINUED_SUPPORT],
            entry_date__lte=last,
        ).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=first))
    )
    supported = Q(is_monitored=True) | Q(is_continued_support=True) | Q(enrolled=True)
    hardship = _recognised_in(year, Q(kind=RecognitionKind.SPECIAL_HARDSHIP))
    severe = _recognised_in(
        year, Q(kind=RecognitionKind.DISABILITY, disability_grade__in=SEVERE_DISABILITY_GRADES)
    )
    people = (
        Worker.objects.alias(enrolled=enrolled, hardship=hardship, severe=severe)
        .filter(supported)
        .filter(Q(hardship=True) | Q(severe=True) | Q(is_dibao=True))
        .annotate(
            basis=Case(
                When(hardship=True, then=Value(BASIS_HARDSHIP)),
                When(severe=True, then=Value(BASIS_SEVERE_DISABILITY)),
                default=Value(BASIS_DIBAO),
                output_field=CharField(),
            ),
            amount=Case(
                When(Q(hardship=True) | Q(severe=True), then=Value(amounts.full)),
                default=Value(amounts.dibao),
                output_field=DecimalField(max_digits=8, decimal_places=2),
            ),
        )
        .select_related("township")
        .order_by("township__code", "village", "name", "pk")
    )
    return _ids_filter(people, township_ids, "township_id")
