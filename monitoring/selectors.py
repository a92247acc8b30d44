"""The comparison (比对) of a monitoring list with the ledger (issue 26, item 2), per township.

Seed (004 §二(二)): "建立跨部门数据共享比对机制，动态更新防止返贫致贫对象和继续帮扶对象就业失业状态……"; and §二(一)
"至少有1人实现就业" for households with labour capacity. Employment status is the ledger's, derived on day D
(`workers.selectors.active_on`, any workplace); nothing is stored. For an applied snapshot, on day D:

* ``no_job``          – people on the list with no employment active on D;
* ``ended_recently``  – of those, people with a job that ended in the 90 days up to D;
* ``outside``         – people with a job active on D outside the district (区外市内 or 市外);
* ``households``      – the list's households with a member with labour capacity (full or weak, as the
                        ledger holds it) and no member of the list in work on D;
* ``unknown_working`` – people in work on D in the ledger whom the list does not mark as working (是否务工).

The page, its drill-downs, the .xlsx and the API read these functions, so they cannot disagree.
"""

from datetime import date, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workers.models import Employment, Worker, Workplace
from workers.selectors import active_on

from .models import MonitoringEntry, MonitoringList

RECENT_DAYS = 90

GAPS = {
    "no_job": _("无在岗就业"),
    "ended_recently": _("近 90 天内离岗"),
    "outside": _("在区外务工"),
    "households": _("有劳动能力但无人务工的家庭"),
    "unknown_working": _("台账在岗、名单未标务工"),
}
PEOPLE_GAPS = ("no_job", "ended_recently", "outside", "unknown_working")


def applied_lists() -> QuerySet:
    return MonitoringList.objects.filter(status=MonitoringList.Status.APPLIED)


def latest_list() -> MonitoringList | None:
    return applied_lists().order_by("-list_date").first()


def entries_with_status(*, snapshot: MonitoringList, on: date | None = None, township_ids=None) -> QuerySet:
    """The snapshot's people, annotated `employed`, `outside` and `ended_recently` on `on` (default today)."""
    on = on or timezone.localdate()
    jobs = Employment.objects.filter(active_on(on), worker=OuterRef("worker"))
    ended = Employment.objects.filter(
        worker=OuterRef("worker"), end_date__gte=on - timedelta(days=RECENT_DAYS), end_date__lt=on
    )
    entries = MonitoringEntry.objects.filter(snapshot=snapshot).annotate(
        employed=Exists(jobs),
        outside=Exists(jobs.exclude(workplace=Workplace.IN_DISTRICT)),
        ended_recently=Exists(ended),
    )
    if township_ids is not None:
        entries = entries.filter(township_id__in=list(township_ids))
    return entries


def gap_people(*, snapshot: MonitoringList, gap: str, on: date | None = None, township_ids=None) -> QuerySet:
    """The people of one gap (not `households`), with their township and ledger record."""
    entries = entries_with_status(snapshot=snapshot, on=on, township_ids=township_ids)
    condition = {
        "no_job": Q(employed=False),
        "ended_recently": Q(employed=False, ended_recently=True),
        "outside": Q(outside=True),
        "unknown_working": Q(employed=True) & ~Q(list_working=True),
    }[gap]
    return (
        entries.filter(condition)
        .select_related("township", "worker")
        .order_by("township__code", "row_number")
    )


def _with_household_gap(entries: QuerySet, *, snapshot: MonitoringList, on: date) -> QuerySet:
    """`household_gap`: the entry's household (on this list) has a capable member and no member in work."""
    members = MonitoringEntry.objects.filter(snapshot=snapshot, household_number=OuterRef("household_number"))
    working = members.filter(Exists(Employment.objects.filter(active_on(on), worker=OuterRef("worker"))))
    capable = members.exclude(worker__labour_capacity=Worker.LabourCapacity.NONE)
    return entries.annotate(household_gap=Exists(capable) & ~Exists(working))


def gap_households(*, snapshot: MonitoringList, on: date | None = None, township_ids=None) -> QuerySet:
    """The list's households with a capable member and no member in work: household number, township, head,
    number of members on the list."""
    on = on or timezone.localdate()
    entries = entries_with_status(snapshot=snapshot, on=on, township_ids=township_ids)
    return (
        _with_household_gap(entries, snapshot=snapshot, on=on)
        .filter(household_gap=True)
        .order_by()
        .values("household_number", "township__name", "township__code")
        .annotate(members=Count("pk"), head_name=Max("head_name"), village=Max("village"))
        .order_by("township__code", "household_number")
    )


def comparison_figures(
    *, snapshot: MonitoringList, on: date | None = None, township_ids=None
) -> dict[int, dict]:
    """Per township id: people on the list, the count of each gap, and households on the list."""
    on = on or timezone.localdate()
    entries = entries_with_status(snapshot=snapshot, on=on, township_ids=township_ids)
    rows = (
        _with_household_gap(entries, snapshot=snapshot, on=on)
        .order_by()
        .values("township_id")
        .annotate(
            people=Count("pk"),
            all_households=Count("household_number", distinct=True),
            no_job=Count("pk", filter=Q(employed=False)),
            ended_recently=Count("pk", filter=Q(employed=False, ended_recently=True)),
            outside=Count("pk", filter=Q(outside=True)),
            households=Count("household_number", distinct=True, filter=Q(household_gap=True)),
            unknown_working=Count("pk", filter=Q(employed=True) & ~Q(list_working=True)),
        )
    )
    return {r.pop("township_id"): r for r in rows}


def comparison_totals(*, on: date | None = None) -> dict | None:
    """The district's figures of the latest applied list (the key-task board, issue 26 item 2): the list,
    its people and, per gap, the count and the drill-down's URL name; None before any list is applied. The
    sums of `comparison_figures`, as the comparison report's totals row."""
    snapshot = latest_list()
    if snapshot is None:
        return None
    figures = comparison_figures(snapshot=snapshot, on=on).values()
    return {
        "snapshot": snapshot,
        "people": sum(row["people"] for row in figures),
        "gaps": [
            {
                "gap": gap,
                "label": label,
                "count": sum(row[gap] for row in figures),
                "url": f"monitoring:gap_{gap}",
            }
            for gap, label in GAPS.items()
        ],
    }


def status_entries(*, snapshot: MonitoringList, on: date | None = None, township_ids=None) -> QuerySet:
    """Every person of the snapshot with the ledger's status on `on` and the end of their last job before it,
    in the list's own order (issue 26, item 4: the status sent back in the monitoring system's keys)."""
    on = on or timezone.localdate()
    last_end = (
        Employment.objects.filter(worker=OuterRef("worker"), end_date__lt=on)
        .order_by("-end_date")
        .values("end_date")
    )
    return (
        entries_with_status(snapshot=snapshot, on=on, township_ids=township_ids)
        .annotate(last_end=Subquery(last_end[:1]))
        .select_related("township", "worker")
        .order_by("township__code", "row_number")
    )
