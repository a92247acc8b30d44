"""The status out (issue 26, item 3): read-only API v1 feeds of assistance for the city system.

Seed (004 §二(二)): "建立跨部门数据共享比对机制，动态更新防止返贫致贫对象和继续帮扶对象就业失业状态、技能水平、培训意愿、
求职意向等信息"; (004 §十五) "建立数据共享机制，定期共享政策兑现、就业状态等数据".

* ``GET /api/v1/enrolments/``: assistance enrolments with category, entry and exit;
* ``GET /api/v1/employment-status/``: per person enrolled today, the employment status derived from the ledger
  (employed / unemployed since D / working outside the district), skill level, training and job intentions;
* ``GET /api/v1/household-coverage/``: per household with a member enrolled today, members, capable members,
  members in work and whether the household has at least one person in work;
* ``GET /api/v1/routine-status/?year=Y``: per person enrolled in year Y, the 1131 routine of the year (plan
  task 8: "1次政策宣介、1次职业指导、3次岗位推送、1次就业培训推荐"): the counts done, what is missing, whether it
  is complete — `assistance.selectors.routine` (`routine_people`, `routine_missing`), the rule of the worklist.

The rules of the ledger feeds (DESIGN.md §6, `wanzhou_jobs.api`): token or staff session, read-only, unknown
parameters refused, ID numbers masked unless the client holds `read_unmasked` (staff always masked), keyset
cursor (`change_key`, id) as the ledger feeds (`workers.api.feeds`): each record carries the moment it last
changed (its own `updated_at`, or the latest change of what it is derived from), so a client resuming from its
stored cursor sees again, further on, a record that changed after it was served; only changes older than the
sync horizon are served. `township` and `updated_since` filters, one access-log row per call.
A status that changes by the mere passing of a day (a job's end date reached) is served on the next change
of the person, not on that day. A client system is
district-wide; a staff session sees its own township (bureau staff: all) and only bureau staff and township
clerks see assistance data, as on the pages.
"""

from datetime import UTC, date, datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Field,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from assistance.models import Enrolment, ServiceRecord
from assistance.selectors.routine import routine_missing, routine_people
from targets.models import Role
from wanzhou_jobs.api import (
    ApiEndpoint,
    api_client,
    api_scope,
    api_scoped,
    api_unmasked,
    cursor_decode,
    cursor_encode,
    error_responses,
    iso,
    page_size_parse,
    sync_horizon,
)
from workers.api.filters import filters_parse
from workers.models import Employment, Household, Worker, Workplace
from workers.selectors import active_on, workers_employed_on
from workers.validators import mask_id_number

NOT_FOR_ROLE = "您的账号不能查看就业帮扶数据。"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PARAMS = ("township", "updated_since", "cursor", "page_size")
LIVE_RANK = 0


def _h(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class _Person(serializers.Serializer):
    id_number = serializers.CharField(
        help_text=_h("公民身份号码（默认脱敏）。", "ID number, masked by default.")
    )
    name = serializers.CharField(help_text=_h("姓名。", "Name."))
    township = serializers.CharField(
        help_text=_h("户籍所在镇乡街道代码（9 位）。", "Township code (9 digits).")
    )
    township_name = serializers.CharField(help_text=_h("户籍所在镇乡街道。", "Township name."))


class EnrolmentRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_h("帮扶登记 id。", "Enrolment id."))
    person = _Person(help_text=_h("帮扶对象。", "The assisted person."))
    category = serializers.CharField(
        help_text=_h("帮扶类别：防止返贫致贫对象、继续帮扶对象、脱贫人口。", "Category.")
    )
    entry_date = serializers.DateField(help_text=_h("纳入日期。", "Entry date."))
    entry_reason = serializers.CharField(help_text=_h("纳入原因。", "Entry reason."))
    exit_date = serializers.DateField(
        allow_null=True, help_text=_h("退出日期；在帮扶中为 null。", "Exit date, or null.")
    )
    exit_reason = serializers.CharField(
        allow_null=True, help_text=_h("退出原因；在帮扶中为 null。", "Exit reason, or null.")
    )
    exit_note = serializers.CharField(
        help_text=_h("退出说明（如“监测名单移出”）。", "Exit note (e.g. removed from the list).")
    )
    updated_at = serializers.DateTimeField(help_text=_h("最后修改时间。", "Last change."))


class StatusRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_h("人员 id。", "Person id."))
    person = _Person(help_text=_h("帮扶对象。", "The assisted person."))
    category = serializers.CharField(help_text=_h("当前帮扶类别。", "Current category."))
    status = serializers.ChoiceField(
        ["employed", "unemployed", "outside"],
        help_text=_h(
            "就业状态（台账当日有效的就业记录）：employed 区内在岗、outside 区外务工、unemployed 无在岗。",
            "Employment status today from the ledger: employed in the district, outside it, or unemployed.",
        ),
    )
    unemployed_since = serializers.DateField(
        allow_null=True,
        help_text=_h(
            "无在岗时为上一份工作结束次日；从未就业或在岗为 null。",
            "Unemployed since; null if never employed or employed.",
        ),
    )
    labour_capacity = serializers.CharField(help_text=_h("劳动能力。", "Labour capacity."))
    skill_level = serializers.CharField(help_text=_h("技能等级。", "Skill level."))
    training_wish = serializers.CharField(help_text=_h("培训意愿。", "Training wish."))
    job_intention = serializers.CharField(help_text=_h("就业意向。", "Job intention."))
    updated_at = serializers.DateTimeField(
        help_text=_h(
            "人员、其就业记录或帮扶登记的最后修改时间。",
            "Last change of the person, their jobs or enrolments.",
        )
    )


class CoverageRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_h("家庭户 id。", "Household id."))
    number = serializers.CharField(help_text=_h("户编号。", "Household number."))
    township = serializers.CharField(help_text=_h("镇乡街道代码。", "Township code."))
    township_name = serializers.CharField(help_text=_h("镇乡街道。", "Township name."))
    members = serializers.IntegerField(help_text=_h("台账中的家庭成员。", "Members in the ledger."))
    capable = serializers.IntegerField(
        help_text=_h("有劳动能力（含弱劳动能力）的成员。", "Members able to work.")
    )
    employed = serializers.IntegerField(help_text=_h("当日在岗成员。", "Members in work today."))
    covered = serializers.BooleanField(
        help_text=_h(
            "有劳动能力的家庭至少一人在岗（无劳动能力的家庭为 true）。",
            "At least one in work, or no capacity.",
        )
    )
    updated_at = serializers.DateTimeField(
        help_text=_h(
            "家庭、成员及其就业记录或帮扶登记的最后修改时间。",
            "Last change of the household, its members, their jobs or enrolments.",
        )
    )


class RoutineRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_h("人员 id（每年一条）。", "Person id (one record a year)."))
    person = _Person(help_text=_h("帮扶对象。", "The assisted person."))
    year = serializers.IntegerField(help_text=_h("年度。", "Year."))
    policy = serializers.IntegerField(
        help_text=_h("本年政策宣介次数（应 1 次）。", "Policy briefings (1 due).")
    )
    guidance = serializers.IntegerField(
        help_text=_h("本年职业指导次数（应 1 次）。", "Career guidance sessions (1 due).")
    )
    job_push = serializers.IntegerField(help_text=_h("本年岗位推送次数（应 3 次）。", "Job pushes (3 due)."))
    training = serializers.IntegerField(
        help_text=_h("本年就业培训推荐次数（应 1 次）。", "Training referrals (1 due).")
    )
    complete = serializers.BooleanField(
        help_text=_h("“1131”是否已完成。", "Whether the 1131 routine is done.")
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text=_h("尚缺的服务，如“岗位推送 2 次”。", "What is still missing, e.g. two job pushes."),
    )
    in_assistance = serializers.BooleanField(
        help_text=_h("今天是否仍在帮扶中。", "Whether the person is still in assistance today.")
    )
    updated_at = serializers.DateTimeField(
        help_text=_h(
            "人员、帮扶登记或本年服务记录的最后变化时间。",
            "Last change of the person, their enrolments or the year's services.",
        )
    )


def _page_serializer(name, record):
    return type(
        name,
        (serializers.Serializer,),
        {
            "as_of": serializers.DateField(
                help_text=_h("就业状态的日期（今天）。", "Day of the status (today).")
            ),
            "next": serializers.URLField(
                allow_null=True,
                help_text=_h(
                    "下一页的完整网址；当前已无更多记录时为 null。",
                    "URL of the next page; null when the feed is exhausted for now.",
                ),
            ),
            "cursor": serializers.CharField(
                help_text=_h(
                    "续传游标：保存它，下次用 ?cursor=… 调用即可只取此后变化的记录。",
                    "Resume cursor: store it and call again with ?cursor=… to receive only what changed since.",
                )
            ),
            "has_more": serializers.BooleanField(
                help_text=_h("是否还有下一页。", "Whether another page follows now.")
            ),
            "results": record(
                many=True,
                help_text=_h(
                    "本页记录，按 (updated_at, id) 排序。", "Records of this page in (updated_at, id) order."
                ),
            ),
        },
    )


EnrolmentPageSerializer = _page_serializer("EnrolmentPageSerializer", EnrolmentRecordSerializer)
StatusPageSerializer = _page_serializer("StatusPageSerializer", StatusRecordSerializer)
CoveragePageSerializer = _page_serializer("CoveragePageSerializer", CoverageRecordSerializer)
RoutinePageSerializer = _page_serializer("RoutinePageSerializer", RoutineRecordSerializer)


def _param(name, kind, zh, en, example):
    return OpenApiParameter(
        name, kind, description=_h(zh, en), examples=[OpenApiExample(name, value=example)]
    )


_PARAMETERS = [
    _param("township", str, "镇乡街道名称或代码。", "Township name or code.", "甘宁镇"),
    _param(
        "updated_since",
        str,
        "ISO 8601 时间或日期：只返回此后有变化的记录。",
        "Only records changed since.",
        "2026-01-01",
    ),
    _param(
        "cursor",
        str,
        "上一页返回的 cursor（或 next 网址中的值），原样传回。",
        "The cursor returned by the previous page, passed back unchanged.",
        "MS4xNzQzNjcyMDYyMDAwMDAwLjAuMTI",
    ),
    _param("page_size", int, "每页条数（超出范围按最近的边界）。", "Page size, held within the bounds.", 100),
]
_YEAR = _param(
    "year",
    int,
    "年度（默认今年）；游标按年度分别保存。",
    "Year (default: this year); keep a cursor per year.",
    2026,
)
_PERSON = {
    "id_number": "500101********123X",
    "name": "张三",
    "township": "500101115",
    "township_name": "甘宁镇",
}
_EXAMPLES = {
    "enrolments": {
        "id": 1,
        "person": _PERSON,
        "category": "防止返贫致贫对象",
        "entry_date": "2026-06-30",
        "entry_reason": "监测名单纳入（2026-06-30 名单）",
        "exit_date": None,
        "exit_reason": None,
        "exit_note": "",
        "updated_at": "2026-06-30T10:00:00+08:00",
    },
    "status": {
        "id": 7,
        "person": _PERSON,
        "category": "防止返贫致贫对象",
        "status": "unemployed",
        "unemployed_since": "2026-05-01",
        "labour_capacity": "有劳动能力",
        "skill_level": "初级工",
        "training_wish": "电工",
        "job_intention": "叉车司机",
        "updated_at": "2026-06-30T10:00:00+08:00",
    },
    "routine": {
        "id": 7,
        "person": _PERSON,
        "year": 2026,
        "policy": 1,
        "guidance": 0,
        "job_push": 1,
        "training": 1,
        "complete": False,
        "missing": ["职业指导 1 次", "岗位推送 2 次"],
        "in_assistance": True,
        "updated_at": "2026-06-30T10:00:00+08:00",
    },
    "coverage": {
        "id": 3,
        "number": "H0000001",
        "township": "500101115",
        "township_name": "甘宁镇",
        "members": 4,
        "capable": 2,
        "employed": 1,
        "covered": True,
        "updated_at": "2026-06-30T10:00:00+08:00",
    },
}


def _schema(operation_id, zh, en, serializer, example, extra=()):
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=_h(zh, en),
            description=_h(
                zh + "：按镇乡街道、updated_since 过滤，按 cursor 分页；身份证号默认脱敏。",
                en
                + ": filtered by township and updated_since, paged by cursor; ID numbers masked by default.",
            ),
            parameters=[*extra, *_PARAMETERS],
            responses={
                200: OpenApiResponse(
                    serializer,
                    description=_h("一页记录。", "One page of records."),
                    examples=[
                        OpenApiExample(
                            operation_id,
                            value={
                                "as_of": "2026-07-01",
                                "next": None,
                                "cursor": "MS4xNzQzNjcyMDYyMDAwMDAwLjAuMTI",
                                "has_more": False,
                                "results": [example],
                            },
                            response_only=True,
                        )
                    ],
                ),
                **error_responses(400, 401, 403, 429),
            },
            tags=["assistance"],
        )
    )


class _Row(Func):
    """A row value `(a, b)`, compared as a whole (one index condition on PostgreSQL)."""

    function = ""
    output_field = Field()


def _past(queryset, cursor):
    """Rows whose key (`change_key`, id) is past the cursor; a cursor of rank -1 (from `updated_since`, or an
    empty first call) stands before every row of its instant, as in the ledger feeds."""
    ts, rank, pk = cursor
    if rank < LIVE_RANK:
        return queryset.filter(change_key__gte=ts)
    if rank > LIVE_RANK:
        return queryset.filter(change_key__gt=ts)
    position = _Row(Value(ts, output_field=DateTimeField()), Value(pk))
    return queryset.filter(GreaterThan(_Row(F("change_key"), F("pk")), position))


class _Feed(ApiEndpoint, APIView):
    allowed_params = PARAMS
    township_field = "worker__township"

    def _check_role(self, request):
        if api_client(request) is None and api_scope(request).role not in (Role.BUREAU, Role.CLERK):
            raise exceptions.PermissionDenied(NOT_FOR_ROLE)

    def change_key(self):
        """The moment a record last changed: the feed's order and what `updated_since` compares."""
        return F("updated_at")

    def _page(self, request, queryset, build):
        self._check_role(request)
        filters = filters_parse(request.query_params)
        size = page_size_parse(request.query_params.get("page_size"))
        raw_cursor = request.query_params.get("cursor", "")
        cursor = cursor_decode(raw_cursor) if raw_cursor else None
        queryset = api_scoped(queryset, request, township_field=self.township_field, industry_field=None)
        if filters.township_id is not None:
            queryset = queryset.filter(**{f"{self.township_field}_id": filters.township_id})
        queryset = queryset.annotate(change_key=self.change_key()).filter(change_key__lt=sync_horizon())
        if filters.updated_since is not None:
            queryset = queryset.filter(change_key__gte=filters.updated_since)
        if cursor is not None:
            queryset = _past(queryset, cursor)
        rows = list(queryset.order_by("change_key", "pk")[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        unmasked = api_unmasked(request)
        results = [build(row, unmasked) for row in rows]
        if rows:
            resume = cursor_encode(rows[-1].change_key, LIVE_RANK, rows[-1].pk)
        elif raw_cursor:
            resume = raw_cursor
        else:
            resume = cursor_encode(filters.updated_since or _EPOCH, -1, 0)
        self.record_count = len(results)
        self.fields_returned = list(results[0]) if results else []
        return Response(
            {
                "as_of": timezone.localdate().isoformat(),
                "next": replace_query_param(request.build_absolute_uri(), "cursor", resume) if more else None,
                "cursor": resume,
                "has_more": more,
                "results": results,
            }
        )


def _latest(queryset) -> Coalesce:
    """The latest `updated_at` of a correlated queryset, or the record's own when it has none."""
    latest = Subquery(queryset.order_by("-updated_at").values("updated_at")[:1], output_field=DateTimeField())
    return Coalesce(latest, F("updated_at"))


def _person(worker: Worker, unmasked: bool) -> dict:
    return {
        "id_number": worker.id_number if unmasked else mask_id_number(worker.id_number),
        "name": worker.name,
        "township": worker.township.code,
        "township_name": worker.township.name,
    }


@_schema(
    "enrolments_list",
    "帮扶对象登记",
    "Assistance enrolments",
    EnrolmentPageSerializer,
    _EXAMPLES["enrolments"],
)
class EnrolmentFeedView(_Feed):
    log_endpoint = "api/v1/enrolments/"

    def get(self, request):
        queryset = Enrolment.objects.select_related("worker__township")
        return self._page(
            request,
            queryset,
            lambda e, unmasked: {
                "id": e.pk,
                "person": _person(e.worker, unmasked),
                "category": e.category,
                "entry_date": e.entry_date.isoformat(),
                "entry_reason": e.entry_reason,
                "exit_date": e.exit_date.isoformat() if e.exit_date else None,
                "exit_reason": e.get_exit_reason_display() if e.exit_reason else None,
                "exit_note": e.exit_note,
                "updated_at": iso(e.updated_at),
            },
        )


def _status(worker) -> tuple[str, str | None]:
    if worker.outside:
        return "outside", None
    if worker.employed:
        return "employed", None
    since = worker.last_end + timedelta(days=1) if worker.last_end else None
    return "unemployed", since.isoformat() if since else None


@_schema(
    "employment_status_list",
    "帮扶对象就业状态",
    "Employment status of assisted people",
    StatusPageSerializer,
    _EXAMPLES["status"],
)
class EmploymentStatusView(_Feed):
    log_endpoint = "api/v1/employment-status/"
    township_field = "township"

    def change_key(self):
        """The latest change of the person, one of their jobs or their enrolments."""
        return Greatest(
            F("updated_at"),
            _latest(Employment.objects.filter(worker=OuterRef("pk"))),
            _latest(Enrolment.objects.filter(worker=OuterRef("pk"))),
        )

    def get(self, request):
        today = timezone.localdate()
        current = Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True)
        active = Employment.objects.filter(active_on(today), worker=OuterRef("pk"))
        queryset = (
            Worker.objects.filter(Exists(current))
            .select_related("township")
            .annotate(
                category=Subquery(current.values("category")[:1]),
                employed=Exists(active),
                outside=Exists(active.exclude(workplace=Workplace.IN_DISTRICT)),
                last_end=Subquery(
                    Employment.objects.filter(worker=OuterRef("pk"), end_date__lt=today)
                    .order_by("-end_date")
                    .values("end_date")[:1]
                ),
            )
        )

        def build(w, unmasked):
            status, since = _status(w)
            return {
                "id": w.pk,
                "person": _person(w, unmasked),
                "category": w.category,
                "status": status,
                "unemployed_since": since,
                "labour_capacity": w.get_labour_capacity_display(),
                "skill_level": w.get_skill_level_display(),
                "training_wish": w.training_wish,
                "job_intention": w.job_intention,
                "updated_at": iso(w.change_key),
            }

        return self._page(request, queryset, build)


@_schema(
    "household_coverage_list",
    "家庭就业覆盖",
    "Household employment coverage",
    CoveragePageSerializer,
    _EXAMPLES["coverage"],
)
class HouseholdCoverageView(_Feed):
    log_endpoint = "api/v1/household-coverage/"
    township_field = "township"

    def change_key(self):
        """The latest change of the household, its members, their jobs or their enrolments."""
        return Greatest(
            F("updated_at"),
            _latest(Worker.objects.filter(household=OuterRef("pk"))),
            _latest(Employment.objects.filter(worker__household=OuterRef("pk"))),
            _latest(Enrolment.objects.filter(worker__household=OuterRef("pk"))),
        )

    def get(self, request):
        today = timezone.localdate()
        enrolled = Worker.objects.filter(
            Exists(Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True)),
            household__isnull=False,
        ).values("household_id")
        employed = Worker.objects.filter(workers_employed_on(today)).values("pk")
        queryset = (
            Household.objects.filter(pk__in=enrolled)
            .select_related("township")
            .annotate(
                n_members=Count("members", distinct=True),
                n_capable=Count(
                    "members", filter=~Q(members__labour_capacity=Worker.LabourCapacity.NONE), distinct=True
                ),
                n_employed=Count("members", filter=Q(members__in=employed), distinct=True),
            )
        )
        return self._page(
            request,
            queryset,
            lambda h, unmasked: {
                "id": h.pk,
                "number": h.number,
                "township": h.township.code,
                "township_name": h.township.name,
                "members": h.n_members,
                "capable": h.n_capable,
                "employed": h.n_employed,
                "covered": h.n_employed > 0 or h.n_capable == 0,
                "updated_at": iso(h.change_key),
            },
        )


@_schema(
    "routine_status_list",
    "帮扶对象“1131”服务完成情况",
    "1131 routine status of assisted people",
    RoutinePageSerializer,
    _EXAMPLES["routine"],
    extra=[_YEAR],
)
class RoutineStatusView(_Feed):
    """Per person enrolled in the year: the 1131 counts, what is missing (the worklist's rule, one
    implementation: `routine_people`, `routine_missing`)."""

    log_endpoint = "api/v1/routine-status/"
    township_field = "township"
    allowed_params = (*PARAMS, "year")

    def change_key(self):
        """The latest change of the person, their enrolments or a service of the year (a deleted service
        touches the person's enrolments: `assistance.services.service_delete`)."""
        start, end = date(self.year, 1, 1), date(self.year, 12, 31)
        services = ServiceRecord.objects.filter(worker=OuterRef("pk"), date__gte=start, date__lte=end)
        latest_service = Subquery(
            services.order_by("-created_at").values("created_at")[:1], output_field=DateTimeField()
        )
        return Greatest(
            F("updated_at"),
            _latest(Enrolment.objects.filter(worker=OuterRef("pk"))),
            Coalesce(latest_service, F("updated_at")),
        )

    def get(self, request):
        self.year = filters_parse(request.query_params).year or timezone.localdate().year
        queryset = routine_people(year=self.year)

        def build(w, unmasked):
            return {
                "id": w.pk,
                "person": _person(w, unmasked),
                "year": self.year,
                "policy": w.n_policy,
                "guidance": w.n_guidance,
                "job_push": w.n_job_push,
                "training": w.n_training,
                "complete": w.complete,
                "missing": routine_missing(w),
                "in_assistance": w.open_entry_date is not None,
                "updated_at": iso(w.change_key),
            }

        return self._page(request, queryset, build)
