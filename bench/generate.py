"""A synthetic Wanzhou district for the counting benchmarks: workers, employers and employments.

Usage (the script sets Django up itself; settings come from the environment as usual):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wanzhou_bench \\
        .venv/bin/python bench/generate.py --workers 500000 [--seed 2025] [--truncate] [--allow-future]
    .venv/bin/python bench/generate.py --employments 1000000 --truncate --allow-future

or from Python (after django.setup()): ``generate(500_000, 2025, employments_target=None)`` → counts.

What it writes (deterministic for a given seed, today's date and the reference data):

* workers spread over the 52 townships by their 2025 target (the three townships without a target get a
  weight of 50 each); valid, unique 18-character ID numbers whose region part is where the number was first
  issued (500101 and the pre-1997 Wanzhou codes 512201, 512221, 511202–511204, plus neighbouring
  counties), birth years 1960–2005; Chinese names; ~30 % with a mobile number; 人员类别 flags
  (~25 % 脱贫人口, a few % each of the others);
* 1–3 employments per worker (mean ≈ 1.95), start dates spread uniformly over 2025-01-01 … today —
  or … 2027-12-31 with ``--allow-future`` (a benchmark-only switch: the service layer refuses future dates,
  but the three-year counting queries need volume in every plan year); ~85 % in the district (with a
  workplace township, 60 % of them in the worker's own township), the rest 区外市内 / 市外; industries
  weighted by the annex-2 targets plus ~3 % 其他行业; forms weighted (单位就业 most); ~35 % returnees;
  some end dates (never after the cap);
* a registration history (DESIGN.md §4.1): every worker a period from 1900-01-01; ``moved_share`` (5 %) of
  them moved once, on a day spread over the start-date window, to another township — their jobs before
  that day count in the old township, the rest in the new one (``Employment.registration_township``); the
  moves come from their own random stream, so the rest of the ledger is what it was without them;
* an employer pool of ~20,000 per 1,000,000 employments with unique names and valid unified social credit
  codes (GB 32100 C18 over an embedded GB 11714 organisation code with its own check character), plus the
  pseudo-employer 灵活就业 (no code) for part of the flexible jobs; ``employer_key`` is always
  ``workers.services.employer_key(employer.name)``.

Every database constraint holds (natural key, workplace township iff in-district, end ≥ start, ID and phone
forms, foreign keys). On PostgreSQL rows go in by ``COPY … FROM STDIN`` (employments in chronological order,
as quarterly imports would leave them), followed by ``VACUUM (ANALYZE)``; on SQLite by ``bulk_create``.
"""

import argparse
import contextlib
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _bootstrap() -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


_bootstrap()

from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from targets.models import Industry, IndustryTarget, Township, TownshipTarget  # noqa: E402
from workers.models import (  # noqa: E402
    CATEGORY_FIELDS,
    REGISTERED_SINCE_UNKNOWN,
    Employer,
    Employment,
    EmploymentForm,
    Household,
    RegistrationPeriod,
    Source,
    Worker,
    Workplace,
)
from workers.services import employer_key  # noqa: E402
from workers.validators import (  # noqa: E402
    credit_code_check_char,
    id_number_check_char,
    organisation_code_check_char,
)

PLAN_START = date(2025, 1, 1)
PLAN_END = date(2027, 12, 31)
WEIGHT_NO_TARGET = 50
OTHER_INDUSTRY_SHARE = 0.03
EMPLOYERS_PER_EMPLOYMENT = 0.02  # 20,000 employers per 1,000,000 employments
JOBS_PER_WORKER = (1,) * 35 + (2,) * 35 + (3,) * 30  # mean 1.95

# Where an ID number was first issued (weights): Wanzhou since 1998, the pre-1997 Wanxian codes, neighbours.
REGION_CODES = {
    "500101": 44,  # 重庆市万州区
    "512221": 12,  # 四川省万县（县）
    "512201": 9,  # 四川省万县市（县级）
    "511202": 6,  # 四川省万县市龙宝区
    "511203": 5,  # 四川省万县市天城区
    "511204": 6,  # 四川省万县市五桥区
    "500235": 4,  # 云阳县
    "500228": 3,  # 梁平县
    "500234": 3,  # 开县（2016 年前）
    "500154": 2,  # 开州区
    "500233": 2,  # 忠县
    "500236": 2,  # 奉节县
    "512226": 1,  # 四川省云阳县（万县地区）
    "422822": 1,  # 湖北省建始县
}
SURNAMES = {
    "王": 70, "李": 70, "张": 65, "刘": 55, "陈": 55, "杨": 45, "黄": 30, "赵": 28, "吴": 26, "周": 30,
    "徐": 20, "孙": 16, "马": 14, "朱": 14, "胡": 16, "郭": 14, "何": 20, "高": 14, "林": 10, "罗": 20,
    "郑": 10, "梁": 9, "谢": 12, "宋": 9, "唐": 16, "许": 8, "韩": 6, "冯": 9, "邓": 14, "曹": 8,
    "彭": 12, "曾": 10, "肖": 10, "田": 10, "董": 7, "袁": 8, "潘": 5, "蒋": 9, "蔡": 6, "余": 12,
    "杜": 8, "叶": 5, "程": 7, "苏": 5, "魏": 6, "吕": 4, "丁": 5, "任": 7, "沈": 4, "姚": 5,
    "卢": 5, "姜": 4, "崔": 3, "钟": 6, "谭": 14, "陆": 3, "汪": 5, "范": 5, "廖": 7, "贾": 3,
    "夏": 5, "付": 6, "方": 5, "邹": 6, "熊": 10, "秦": 6, "江": 5, "向": 14, "冉": 9, "牟": 8,
    "雷": 6, "龙": 5, "陶": 5, "贺": 5, "毛": 5, "龚": 6, "万": 6, "严": 4, "覃": 4, "汤": 4,
    "文": 6, "易": 5, "邱": 4, "黎": 4, "段": 4, "侯": 4, "傅": 4, "司马": 1, "欧阳": 1, "上官": 1,
}  # fmt: skip
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏辉飞建国志文斌宇浩凯"
    "俊波林峰龙海燕雪琴云莲春兵学成东琳丹欣怡婷佳慧倩雯颖晨阳亮德福贵全兴永祥荣富德清"
    "小大中中仁义礼智信忠孝元光先明发家宏远维新银金章书昌茂才群碧蓉琼菊凤仙翠秋冬"
)
VILLAGE_WORDS = [
    "青龙", "白岩", "桂花", "黄泥", "石桥", "大坪", "新华", "红星", "太平", "龙泉", "双河", "三湾", "五星",
    "长岭", "关口", "金竹", "柏林", "凉水", "梨树", "茶园", "杨柳", "大堰", "高桥", "松林", "天星", "复兴",
    "民主", "团结", "胜利", "光明", "和平", "永安", "兴隆", "马鞍", "狮子",
]  # fmt: skip
EMPLOYER_PREFIXES = {"重庆": 40, "重庆市万州区": 25, "万州区": 15, "重庆三峡": 8, "万州": 12}
BRAND_CHARS = (
    "鑫恒源盛达华宏泰康瑞祥和兴隆丰汇通博远佳美诚信德润晟昊宇航天辰星峡江平安金银海龙腾飞"
    "凯旋顺发新创嘉禾万友众合聚益同仁明辉光耀永福长青绿野山水云锦银河北斗东方南北巴渝"
)
INDUSTRY_WORDS = {
    "01": ["农业开发", "生态农业", "柑橘种植", "畜禽养殖", "茶叶", "林业", "水产养殖", "中药材种植"],
    "02": ["机械制造", "食品", "电子科技", "新材料", "纺织", "汽车零部件", "玻璃制品", "制药", "食品加工"],
    "03": ["建筑工程", "建设工程", "勘察设计", "装饰工程", "市政工程", "工程监理"],
    "04": ["商贸", "超市", "百货", "农产品销售", "建材销售", "医药连锁"],
    "05": ["物流", "运输", "快递", "仓储", "客运", "港务"],
    "06": ["餐饮管理", "酒店管理", "烤鱼", "火锅", "宾馆", "农家乐"],
    "07": ["信息技术", "网络科技", "软件", "通信工程", "电子商务"],
    "08": ["房地产开发", "物业管理", "置业"],
    "09": ["人力资源", "商务服务", "劳务服务", "设备租赁", "会展服务"],
    "10": ["家政服务", "汽车维修", "美容美发", "养老服务", "洗涤服务"],
    "11": ["文化传媒", "旅游开发", "文化艺术", "娱乐", "体育发展"],
    "12": ["数字科技", "大数据", "科技服务", "检验检测", "创新科技"],
    "99": ["医院", "教育咨询", "电力工程", "水务", "矿业", "环保科技"],
}
COMPANY_SUFFIXES = {
    "有限公司": 62,
    "有限责任公司": 18,
    "股份有限公司": 3,
    "经营部": 7,
    "店": 6,
    "专业合作社": 4,
}
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORMS = {
    EmploymentForm.UNIT: 55,
    EmploymentForm.FLEXIBLE: 20,
    EmploymentForm.SELF_EMPLOYED: 8,
    EmploymentForm.PUBLIC_WELFARE: 7,
    EmploymentForm.ASSISTANCE_WORKSHOP: 6,
    EmploymentForm.WORK_FOR_RELIEF: 4,
}
WORKPLACES = {Workplace.IN_DISTRICT: 85, Workplace.IN_CITY: 10, Workplace.OUT_OF_CITY: 5}
CATEGORY_SHARES = {
    "is_poverty_alleviated": 0.25,
    "is_monitored": 0.03,
    "is_continued_support": 0.02,
    "is_relocated": 0.04,
    "is_dibao": 0.03,
    "is_disabled": 0.015,
    "is_yulu_graduate": 0.01,
}
CHANNELS = {
    "": 40,
    "零工市场": 15,
    "招聘活动": 20,
    "劳务输出": 5,
    "万州烤鱼": 5,
    "万州月嫂": 5,
    "三峡库工": 5,
    "亲友介绍": 5,
}
FLEXIBLE_EMPLOYER = "灵活就业"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999
ID_CHECK_CHARS = "10X98765432"
NULL = "\\N"

assert set(CATEGORY_SHARES) == set(CATEGORY_FIELDS.values())


def _weighted(digits: str, weights) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def _table(items: dict | list, weights=None, size: int = 8192) -> list:
    """A lookup table for fast weighted choice: `table[int(random() * len(table))]`."""
    if weights is None:
        items, weights = list(items), list(items.values())
    total = float(sum(weights))
    out, cumulative, index = [], 0.0, 0
    bounds = []
    for w in weights:
        cumulative += w / total
        bounds.append(cumulative)
    for slot in range(size):
        q = (slot + 0.5) / size
        while index < len(bounds) - 1 and bounds[index] < q:
            index += 1
        out.append(items[index])
    return out


class _Copier:
    """COPY-text helpers: one column list per table, constant defaults for the columns we do not set."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        self.columns = list(columns)
        now = timezone.now()
        extra_cols, extra_vals = [], []
        for f in model._meta.concrete_fields:
            if f.column in self.columns or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            extra_cols.append(f.column)
            extra_vals.append(value)
        self.extra = dict(zip(extra_cols, extra_vals, strict=True))
        self.all_columns = self.columns + extra_cols
        self.suffix = "".join("\t" + _copy_text(v) for v in extra_vals)

    def sql(self) -> str:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.all_columns)
        return f"COPY {connection.ops.quote_name(self.table)} ({cols}) FROM STDIN"

    def line(self, values) -> str:
        return "\t".join([_copy_text(v) for v in values]) + self.suffix + "\n"

    def instance(self, values):
        """A model instance for bulk_create (SQLite)."""
        kwargs = {self._attname(c): v for c, v in zip(self.columns, values, strict=True)}
        return self.model(**kwargs)

    def _attname(self, column: str) -> str:
        for f in self.model._meta.concrete_fields:
            if f.column == column:
                return f.attname
        raise KeyError(column)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


WORKER_COLUMNS = [
    "id", "id_number", "name", "sex", "birth_date", "phone", "village", "township_id",
    *CATEGORY_SHARES, "created_at", "updated_at",
]  # fmt: skip
EMPLOYER_COLUMNS = ["id", "name", "name_key", "credit_code", "gb_division", "created_at"]
EMPLOYMENT_COLUMNS = [
    "worker_id", "employer_id", "employer_key", "industry_id", "workplace", "workplace_township_id", "form",
    "start_date", "end_date", "returnee", "channel", "monthly_income", "source", "created_at", "updated_at",
    "registration_township_id",
]  # fmt: skip
PERIOD_COLUMNS = ["worker_id", "township_id", "from_date", "until"]
#: Share of workers who moved their registration once (issue 19: the benchmark's 5 %).
MOVED_SHARE = 0.05


def _gb_divisions(text: str) -> list[str]:
    """Two-digit GB/T 4754 divisions named in an industry's `gb_divisions` (e.g. "06-12,44-46", "73,75")."""
    out = []
    for lo, hi in re.findall(r"(?<!\d)(\d{2})(?:-(\d{2}))?(?!\d)", text or ""):
        out.extend(f"{n:02d}" for n in range(int(lo), int(hi or lo) + 1))
    return out or ["00"]


def _ledger_is_empty() -> bool:
    return not (Employment.objects.exists() or Worker.objects.exists() or Employer.objects.exists())


def truncate_ledger() -> list[str]:
    """Empty the ledger tables (employments, employers, workers, households). PostgreSQL: TRUNCATE …
    RESTART IDENTITY CASCADE (tables of other apps that reference the ledger are emptied as well)."""
    tables = [m._meta.db_table for m in (RegistrationPeriod, Employment, Employer, Worker, Household)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE "
                + ", ".join(connection.ops.quote_name(t) for t in tables)
                + " RESTART IDENTITY CASCADE"
            )
        else:
            for t in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(t)}")  # noqa: S608
    return tables


def _skip_fk_triggers(cursor) -> bool:
    """Bulk loads skip PostgreSQL's per-row foreign-key triggers (session_replication_role = replica, for
    this transaction only; superuser) and check every foreign key afterwards with one set-based query per
    column (`_check_foreign_keys`), which is much faster. Check constraints and unique indexes stay active.
    Without the privilege the triggers simply run."""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True
    except DatabaseError:
        return False


def _defer_indexes(cursor, model) -> list[tuple[str, str]]:
    """Drop the plain (non-constraint) indexes of the model's table for the rest of the transaction and return
    their definitions; `_restore_indexes` builds them again after the load, which is several times faster
    than maintaining them row by row. DDL is transactional: if the load fails, the indexes come back with
    the rollback. Primary keys and unique constraints stay and are enforced during the load."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
        "ORDER BY i.relname",
        [model._meta.db_table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return indexes


def _restore_indexes(cursor, indexes: list[tuple[str, str]]) -> None:
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        cursor.execute(definition)


def _check_foreign_keys(cursor, tables) -> None:
    """Every non-null foreign key among the columns written points at an existing row; raises otherwise
    (the transaction then rolls back)."""
    qn = connection.ops.quote_name
    for model, columns in tables:
        for f in model._meta.concrete_fields:
            if not f.is_relation or f.column not in columns:
                continue
            parent = f.related_model
            cursor.execute(
                f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} c WHERE c.{qn(f.column)} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {qn(parent._meta.db_table)} p WHERE p.{qn(f.target_field.column)} = c.{qn(f.column)})"
            )
            (dangling,) = cursor.fetchone()
            if dangling:
                raise RuntimeError(
                    f"{model._meta.db_table}.{f.column}: {dangling} rows point at no {parent.__name__}"
                )


def _database_name() -> str:
    return str(connection.settings_dict.get("NAME") or "")


def generate(
    workers: int,
    seed: int = 2025,
    *,
    employments_target: int | None = None,
    truncate: bool = False,
    allow_future: bool = False,
    today: date | None = None,
    moved_share: float = MOVED_SHARE,
    log=None,
) -> dict:
    """Write a synthetic district and return counts and timings.

    `workers`: how many workers to create; ignored when `employments_target` is given, in which case workers
    are created until exactly that many employments exist among the new rows. `allow_future` lets start dates
    run to 2027-12-31 instead of stopping at today (benchmark volume only; the services refuse future dates).
    Without `truncate` the new rows are added beside existing ones (ID numbers, names and codes stay unique).
    """
    log = log or (lambda *_a: None)
    t0 = time.perf_counter()
    today = today or timezone.localdate()
    rnd = random.Random(seed)
    r = rnd.random
    randrange = rnd.randrange
    vendor = connection.vendor
    timings: dict[str, float] = {}

    if truncate:
        truncate_ledger()
        log(f"truncated the ledger tables ({_database_name()})")

    # --- reference data -------------------------------------------------------------------------------
    township_ids = {t.pk: t.code for t in Township.objects.all()}
    if len(township_ids) != 52:
        raise RuntimeError(f"expected 52 townships, found {len(township_ids)}: run load_reference_data first")
    t_targets = dict(TownshipTarget.objects.filter(plan_year_id=2025).values_list("township_id", "target"))
    township_weights = {pk: t_targets.get(pk) or WEIGHT_NO_TARGET for pk in township_ids}
    township_table = _table(township_weights)
    industries = {i.pk: i for i in Industry.objects.all()}
    i_targets = dict(IndustryTarget.objects.filter(plan_year_id=2025).values_list("industry_id", "target"))
    other = next((pk for pk, i in industries.items() if i.code == Industry.OTHER_CODE), None)
    in_plan_total = sum(i_targets.values())
    industry_weights = {pk: float(i_targets.get(pk, 0)) for pk in industries}
    if other is not None:
        industry_weights[other] = in_plan_total * OTHER_INDUSTRY_SHARE / (1 - OTHER_INDUSTRY_SHARE)
    industry_weights = {pk: w for pk, w in industry_weights.items() if w > 0}
    industry_table = _table(industry_weights)

    # --- existing rows (append mode) ------------------------------------------------------------------
    seen_ids: set[str] = set()
    seen_employer_keys: set[str] = set()
    seen_codes: set[str] = set()
    next_worker_id = next_employer_id = 1
    flexible_employer_id = None
    if not _ledger_is_empty():
        seen_ids.update(Worker.objects.values_list("id_number", flat=True).iterator(chunk_size=50_000))
        for pk, key, code in Employer.objects.values_list("id", "name_key", "credit_code").iterator(
            chunk_size=50_000
        ):
            seen_employer_keys.add(key)
            if code:
                seen_codes.add(code)
            if key == employer_key(FLEXIBLE_EMPLOYER):
                flexible_employer_id = pk
        next_worker_id = (Worker.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        next_employer_id = (Employer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        log(f"appending beside {len(seen_ids):,} workers and {len(seen_employer_keys):,} employers")

    # --- dates ----------------------------------------------------------------------------------------
    first_day = PLAN_START.toordinal()
    cap = PLAN_END if allow_future else min(today, PLAN_END)
    last_day = cap.toordinal()
    if last_day < first_day:
        raise RuntimeError("today is before 2025-01-01: nothing to generate without --allow-future")
    now = timezone.localtime()
    now_day = now.date().toordinal()
    offset = now.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    day_iso = {o: date.fromordinal(o).isoformat() for o in range(first_day, max(last_day, now_day) + 400)}
    day_ts = {o: f"{iso} 10:00:00{offset}" for o, iso in day_iso.items()}
    birth_lo, birth_hi = date(1960, 1, 1).toordinal(), date(2005, 12, 31).toordinal()
    birth_days = [date.fromordinal(o) for o in range(birth_lo, birth_hi + 1)]
    birth_keys = [(d.strftime("%Y%m%d"), d.isoformat()) for d in birth_days]
    # GB 11643 check character by partial weighted sums (region, birth date, sequence); `verify` re-checks
    # the result with workers.validators.id_number_check_char.
    region_sums = {code: _weighted(code, ID_WEIGHTS[:6]) for code in REGION_CODES}
    birth_sums = {key: _weighted(key, ID_WEIGHTS[6:14]) for key, _iso in birth_keys}
    seq_sums = [_weighted(f"{n:03d}", ID_WEIGHTS[14:]) for n in range(1000)]
    probe = "50010119800101123"
    assert ID_CHECK_CHARS[(region_sums["500101"] + birth_sums["19800101"] + seq_sums[123]) % 11] == (
        id_number_check_char(probe)
    )

    # --- employers ------------------------------------------------------------------------------------
    t = time.perf_counter()
    expected_jobs = employments_target if employments_target is not None else round(workers * 1.95)
    n_employers = max(100, round(expected_jobs * EMPLOYERS_PER_EMPLOYMENT))
    employer_copier = _Copier(Employer, EMPLOYER_COLUMNS)
    employer_rows = []
    pools: dict[int, list[tuple[int, str]]] = {pk: [] for pk in industry_weights}
    prefix_table = _table(EMPLOYER_PREFIXES)
    suffix_table = _table(COMPANY_SUFFIXES)
    created = day_ts[first_day]
    industry_codes = {pk: industries[pk].code for pk in industry_weights}
    divisions = {pk: _gb_divisions(industries[pk].gb_divisions) for pk in industry_weights}
    if flexible_employer_id is None:
        flexible_employer_id = next_employer_id
        next_employer_id += 1
        employer_rows.append(
            (flexible_employer_id, FLEXIBLE_EMPLOYER, employer_key(FLEXIBLE_EMPLOYER), "", "", created)
        )
        seen_employer_keys.add(employer_key(FLEXIBLE_EMPLOYER))
    for _ in range(n_employers):
        industry_id = industry_table[int(r() * len(industry_table))]
        words = INDUSTRY_WORDS.get(industry_codes[industry_id], INDUSTRY_WORDS["99"])
        while True:
            brand = "".join(BRAND_CHARS[randrange(len(BRAND_CHARS))] for _ in range(2 + (r() < 0.4)))
            suffix = suffix_table[int(r() * len(suffix_table))]
            name = prefix_table[int(r() * len(prefix_table))] + brand + words[randrange(len(words))] + suffix
            key = employer_key(name)
            if key not in seen_employer_keys:
                seen_employer_keys.add(key)
                break
        kind = "3" if suffix == "专业合作社" else "2" if suffix in ("经营部", "店") else "1"
        while True:
            if r() < 0.7:  # codes issued since 2015 start with MA
                body8 = "MA" + "".join(CREDIT_ALPHABET[randrange(31)] for _ in range(6))
            else:
                body8 = "".join(str(randrange(10)) for _ in range(8))
            org = body8 + organisation_code_check_char(body8)
            body17 = "9" + kind + ("500101" if r() < 0.9 else "500000") + org
            code = body17 + credit_code_check_char(body17)
            if code not in seen_codes:
                seen_codes.add(code)
                break
        division = divisions[industry_id][randrange(len(divisions[industry_id]))]
        employer_rows.append((next_employer_id, name, key, code, division, created))
        pools[industry_id].append((next_employer_id, key))
        next_employer_id += 1
    for industry_id, pool in pools.items():
        if not pool:  # a tiny run: lend every industry at least one employer
            pools[industry_id] = [(row[0], row[2]) for row in employer_rows[1:2]] or [
                (flexible_employer_id, employer_key(FLEXIBLE_EMPLOYER))
            ]
    flexible = (flexible_employer_id, employer_key(FLEXIBLE_EMPLOYER))
    timings["employers_generated"] = time.perf_counter() - t

    # --- writers --------------------------------------------------------------------------------------
    worker_copier = _Copier(Worker, WORKER_COLUMNS)
    employment_copier = _Copier(Employment, EMPLOYMENT_COLUMNS)
    period_copier = _Copier(RegistrationPeriod, PERIOD_COLUMNS)
    period_rows: list[tuple] = []
    moves = random.Random(seed * 7919 + 1)  # its own stream: the ledger stays what it was without moves
    since_unknown = REGISTERED_SINCE_UNKNOWN.isoformat()
    move_last = min(last_day, today.toordinal())
    n_moved = 0
    sqlite_workers: list = []
    sqlite_jobs: list = []
    batch = 5_000

    worker_suffix, employment_suffix = worker_copier.suffix, employment_copier.suffix
    form_table = _table({f.value: w for f, w in FORMS.items()})
    workplace_table = _table({p.value: w for p, w in WORKPLACES.items()})
    region_table = _table(REGION_CODES)
    surname_table = _table(SURNAMES)
    channel_table = _table(CHANNELS)
    jobs_table = list(JOBS_PER_WORKER)
    categories = list(CATEGORY_SHARES.items())
    n_given = len(GIVEN_CHARS)
    unit_source = Source.IMPORT.value
    in_district = Workplace.IN_DISTRICT.value
    flexible_form = EmploymentForm.FLEXIBLE.value
    villages = VILLAGE_WORDS
    span = last_day - first_day + 1
    n_birth = len(birth_days)

    n_workers = n_jobs = n_in_district = 0
    by_year: dict[int, int] = {}
    year_starts = (date(2026, 1, 1).toordinal(), date(2027, 1, 1).toordinal())
    wid = next_worker_id
    target_jobs = employments_target
    stop_workers = None if employments_target is not None else workers
    all_employers = [(row[0], row[2]) for row in employer_rows] or [flexible]
    pg = vendor == "postgresql"
    t = time.perf_counter()

    with transaction.atomic(), tempfile.TemporaryDirectory(prefix="wanzhou-bench-") as tmp:
        cursor = connection.cursor()
        skip_fk_triggers = False
        deferred_indexes: list[tuple[str, str]] = []
        if pg:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            skip_fk_triggers = _skip_fk_triggers(cursor)
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s)",
                [Worker._meta.db_table, Employment._meta.db_table],
            )
            existing = {name: max(n, 0) for name, n in cursor.fetchall()}
            if existing.get(Worker._meta.db_table, 0) < expected_jobs / 2:
                deferred_indexes += _defer_indexes(cursor, Worker)
            if existing.get(Employment._meta.db_table, 0) < expected_jobs:
                deferred_indexes += _defer_indexes(cursor, Employment)
            with cursor.copy(employer_copier.sql()) as copy:
                copy.write("".join(employer_copier.line(row) for row in employer_rows))
        else:
            Employer.objects.bulk_create(
                [employer_copier.instance(row) for row in employer_rows], batch_size=batch
            )
        month_files: dict[int, object] = {}

        def month_file(day_ordinal: int):
            d = date.fromordinal(day_ordinal)
            key = d.year * 12 + d.month
            fh = month_files.get(key)
            if fh is None:
                fh = open(Path(tmp) / f"{key}.tsv", "w", encoding="utf-8")  # noqa: SIM115
                month_files[key] = fh
            return fh

        worker_buffer: list[str] = []
        with cursor.copy(worker_copier.sql()) if pg else contextlib.nullcontext() as worker_copy:
            while True:
                if stop_workers is not None and n_workers >= stop_workers:
                    break
                if target_jobs is not None and n_jobs >= target_jobs:
                    break
                # the person
                while True:
                    region = region_table[int(r() * 8192)]
                    bkey, biso = birth_keys[int(r() * n_birth)]
                    seq = randrange(1, 996)
                    body = f"{region}{bkey}{seq:03d}"
                    if body not in seen_ids:
                        seen_ids.add(body)
                        break
                id_number = (
                    body + ID_CHECK_CHARS[(region_sums[region] + birth_sums[bkey] + seq_sums[seq]) % 11]
                )
                sex = "男" if seq % 2 else "女"
                given = GIVEN_CHARS[int(r() * n_given)]
                if r() < 0.7:
                    given += GIVEN_CHARS[int(r() * n_given)]
                name = surname_table[int(r() * 8192)] + given
                phone = f"1{3 + int(r() * 7)}{randrange(1_000_000_000):09d}" if r() < 0.3 else ""
                township = township_table[int(r() * 8192)]
                move_day = None
                first_township = township
                if moves.random() < moved_share:
                    move_day = first_day + 1 + int(moves.random() * max(1, move_last - first_day))
                    while township == first_township:
                        township = township_table[int(moves.random() * 8192)]
                    period_rows.append((wid, first_township, since_unknown, day_iso[move_day]))
                    period_rows.append((wid, township, day_iso[move_day], None))
                    n_moved += 1
                else:
                    period_rows.append((wid, township, since_unknown, None))
                village = villages[int(r() * len(villages))] + ("社区" if r() < 0.15 else "村")
                flags = [r() < share for _field, share in categories]

                # the jobs
                k = jobs_table[int(r() * 100)]
                if target_jobs is not None:
                    k = min(k, target_jobs - n_jobs)
                starts = sorted(first_day + int(r() * span) for _ in range(k))
                used: set[tuple[int, str]] = set()
                first_created = last_created = None
                for j, start in enumerate(starts):
                    form = form_table[int(r() * 8192)]
                    industry_id = industry_table[int(r() * 8192)]
                    attempts = 0
                    while True:
                        attempts += 1
                        if attempts > 10:  # a tiny pool: any employer will do
                            employer_id, ekey = all_employers[randrange(len(all_employers))]
                        elif form == flexible_form and r() < 0.4:
                            employer_id, ekey = flexible
                        else:
                            pool = pools[industry_id]
                            employer_id, ekey = pool[int(len(pool) * r() * r())]
                        if (start, ekey) not in used:
                            used.add((start, ekey))
                            break
                    workplace = workplace_table[int(r() * 8192)]
                    if workplace == in_district:
                        wp_township = township if r() < 0.6 else township_table[int(r() * 8192)]
                        n_in_district += 1
                    else:
                        wp_township = None
                    end = None
                    if j + 1 < k:
                        if r() < 0.7:
                            end = start + int(r() * (starts[j + 1] - start + 1))
                    elif r() < 0.15:
                        end = start + 30 + int(r() * 370)
                    if end is not None and end > last_day:
                        end = None
                    income = f"{1800 + int(r() * 7200)}.00" if r() < 0.7 else None
                    created_day = min(start + int(r() * 21), now_day) if start <= now_day else now_day
                    ts = day_ts[created_day]
                    first_created = first_created or ts
                    last_created = ts
                    returnee = r() < 0.35
                    channel = channel_table[int(r() * 8192)]
                    counted_in = first_township if move_day is not None and start < move_day else township
                    year = 2025 + (start >= year_starts[0]) + (start >= year_starts[1])
                    by_year[year] = by_year.get(year, 0) + 1
                    if pg:  # one COPY text line, in EMPLOYMENT_COLUMNS order
                        month_file(start).write(
                            f"{wid}\t{employer_id}\t{ekey}\t{industry_id}\t{workplace}\t"
                            f"{NULL if wp_township is None else wp_township}\t{form}\t{day_iso[start]}\t"
                            f"{NULL if end is None else day_iso[end]}\t{'t' if returnee else 'f'}\t{channel}\t"
                            f"{NULL if income is None else income}\t{unit_source}\t{ts}\t{ts}\t{counted_in}"
                            f"{employment_suffix}\n"
                        )
                    else:
                        row = (
                            wid, employer_id, ekey, industry_id, workplace, wp_township, form, day_iso[start],
                            day_iso[end] if end is not None else None, returnee, channel, income, unit_source, ts, ts,
                            counted_in,
                        )  # fmt: skip
                        sqlite_jobs.append(employment_copier.instance(row))
                n_jobs += k
                if pg:  # one COPY text line, in WORKER_COLUMNS order
                    worker_buffer.append(
                        f"{wid}\t{id_number}\t{name}\t{sex}\t{biso}\t{phone}\t{village}\t{township}\t"
                        + "\t".join(["t" if flag else "f" for flag in flags])
                        + f"\t{first_created}\t{last_created}{worker_suffix}\n"
                    )
                    if len(worker_buffer) >= 20_000:
                        worker_copy.write("".join(worker_buffer))
                        worker_buffer.clear()
                else:
                    worker_row = (
                        wid, id_number, name, sex, biso, phone, village, township, *flags, first_created, last_created,
                    )  # fmt: skip
                    sqlite_workers.append(worker_copier.instance(worker_row))
                    if len(sqlite_workers) >= batch:
                        Worker.objects.bulk_create(sqlite_workers)
                        sqlite_workers.clear()
                wid += 1
                n_workers += 1
                if n_workers % 500_000 == 0:
                    log(
                        f"  … {n_workers:,} workers, {n_jobs:,} employments ({time.perf_counter() - t0:.0f} s)"
                    )
            if pg and worker_buffer:
                worker_copy.write("".join(worker_buffer))
        if not pg:
            Worker.objects.bulk_create(sqlite_workers)
        if pg:
            with cursor.copy(period_copier.sql()) as copy:
                for start in range(0, len(period_rows), 50_000):
                    copy.write(
                        "".join(period_copier.line(row) for row in period_rows[start : start + 50_000])
                    )
        else:
            RegistrationPeriod.objects.bulk_create(
                [period_copier.instance(row) for row in period_rows], batch_size=batch
            )
        timings["workers_written"] = time.perf_counter() - t

        # employments, in chronological order (month by month), as quarterly imports would leave them
        t = time.perf_counter()
        if pg:
            for fh in month_files.values():
                fh.close()
            with cursor.copy(employment_copier.sql()) as copy:
                for key in sorted(month_files):
                    with open(Path(tmp) / f"{key}.tsv", "rb") as fh:
                        while chunk := fh.read(1 << 20):
                            copy.write(chunk)
            timings["employments_written"] = time.perf_counter() - t
            t_ix = time.perf_counter()
            _restore_indexes(cursor, deferred_indexes)
            timings["indexes_built"] = time.perf_counter() - t_ix
            if skip_fk_triggers:
                t_fk = time.perf_counter()
                _check_foreign_keys(
                    cursor,
                    [
                        (Employer, EMPLOYER_COLUMNS),
                        (Worker, WORKER_COLUMNS),
                        (Employment, EMPLOYMENT_COLUMNS),
                        (RegistrationPeriod, PERIOD_COLUMNS),
                    ],
                )
                timings["foreign_keys_checked"] = time.perf_counter() - t_fk
            for model in (Worker, Employer):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))",  # noqa: S608
                    [model._meta.db_table],
                )
        else:
            sqlite_jobs.sort(key=lambda e: e.start_date)
            Employment.objects.bulk_create(sqlite_jobs, batch_size=batch)
            timings["employments_written"] = time.perf_counter() - t
        cursor.close()
    timings["committed"] = time.perf_counter() - t0

    t = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql" and not connection.in_atomic_block:
            for model in (Worker, Employer, Employment):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")  # PostgreSQL inside a transaction (e.g. a test) cannot VACUUM
    timings["analyze"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return {
        "database": f"{vendor}:{_database_name()}",
        "seed": seed,
        "today": today.isoformat(),
        "allow_future": allow_future,
        "start_dates": f"{PLAN_START.isoformat()} … {cap.isoformat()}",
        "workers": n_workers,
        "workers_moved": n_moved,
        "employers": len(employer_rows),
        "employments": n_jobs,
        "employments_in_district": n_in_district,
        "employments_by_start_year": dict(sorted(by_year.items())),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


# --- The rest of a district (issue 27): what the pages besides the ledger read --------------------------

#: Shares per worker of the district measured in issue 27 (512,827 workers, 1,000,000 employments).
EXTRA_SHARES = {
    "household_members": 0.70,  # grouped three to a household of the same township: ~120k households
    "open_enrolments": 0.096,  # ~49k; each with two 1131 records: ~98k
    "closed_enrolments": 0.02,
    "welfare_posts": 0.004,
    "participants": 0.04,  # ~20k, in 8 courses per township
    "applications": 0.058,  # ~30k subsidy applications
    "audit_entries": 0.585,  # ~300k entries
}
COURSES_PER_TOWNSHIP = 8
BATCHES_PER_TOWNSHIP = 8  # two years of quarterly returns


def generate_extras(seed: int = 2025, *, log=None) -> dict:
    """Households and their members, 1131 enrolments and records, public-welfare posts, courses and their
    participants, subsidy applications, import batches and audit entries, in the proportions of a district
    (`EXTRA_SHARES`), for the workers already in the ledger. Deterministic for a seed and a ledger; the
    previous extras (and every audit entry) are removed first."""
    from datetime import timedelta
    from decimal import Decimal

    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from assistance.models import (
        Course,
        CourseKind,
        Enrolment,
        EnrolmentCategory,
        ExitReason,
        Participation,
        PostKind,
        PublicWelfarePost,
        ServiceKind,
        ServiceRecord,
    )
    from assistance.services.training import follow_up_until
    from subsidies.models import ApplicantType, Application, Status, SubsidyKind
    from workers.models import ImportBatch

    log = log or (lambda *_a: None)
    t0 = time.perf_counter()
    rnd = random.Random(seed * 7 + 27)
    user, _created = get_user_model().objects.get_or_create(username="bench_generator")
    today = timezone.localdate()
    counts = {}
    with transaction.atomic():
        extras = [
            ServiceRecord,
            PublicWelfarePost,
            Participation,
            Course,
            Enrolment,
            Application,
            ImportBatch,
        ]
        extras.append(LogEntry)
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in extras)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables} CASCADE")
        else:
            for model in extras:
                model.objects.all().delete()
        Worker.objects.update(household=None)
        Household.objects.all().delete()

        workers = list(Worker.objects.order_by("id").values_list("id", "township_id", "village", "name"))
        shares = EXTRA_SHARES

        # Households: members grouped by township and village, three to a household.
        members = sorted(
            (w for w in workers if rnd.random() < shares["household_members"]),
            key=lambda w: (w[1], w[2], w[0]),
        )
        groups = [members[i : i + 3] for i in range(0, len(members), 3)]
        households = Household.objects.bulk_create(
            [
                Household(
                    number=f"HH{g[0][1]:03d}{i:09d}", township_id=g[0][1], village=g[0][2], head_name=g[0][3]
                )
                for i, g in enumerate(groups)
            ],
            batch_size=5000,
        )
        links = [(w[0], h.pk) for h, g in zip(households, groups, strict=True) for w in g]
        if connection.vendor == "postgresql":
            # A join on VALUES: bulk_update's CASE of 5,000 branches per statement is quadratic.
            table = connection.ops.quote_name(Worker._meta.db_table)
            with connection.cursor() as cursor:
                for i in range(0, len(links), 10000):
                    chunk = links[i : i + 10000]
                    values = ", ".join(["(%s, %s)"] * len(chunk))
                    cursor.execute(
                        f"UPDATE {table} w SET household_id = v.h FROM (VALUES {values}) AS v(id, h) "  # noqa: S608
                        "WHERE w.id = v.id",
                        [x for pair in chunk for x in pair],
                    )
        else:
            Worker.objects.bulk_update(
                [Worker(id=w, household_id=h) for w, h in links], ["household"], batch_size=5000
            )
        counts["households"] = len(households)

        # 1131 enrolments, open and closed, and two records of the routine for each open one.
        categories = list(EnrolmentCategory.values)
        span = (today - PLAN_START).days
        enrolments, records, posts = [], [], []
        for worker_id, _t, _v, _n in workers:
            x = rnd.random()
            if x >= shares["open_enrolments"] + shares["closed_enrolments"]:
                continue
            entry = PLAN_START + timedelta(days=rnd.randrange(max(span - 100, 1)))
            closed = x >= shares["open_enrolments"]
            enrolments.append(
                Enrolment(
                    worker_id=worker_id,
                    category=rnd.choice(categories),
                    entry_date=entry,
                    entry_reason="监测对象纳入",
                    exit_date=entry + timedelta(days=90) if closed else None,
                    exit_reason=ExitReason.STABLE_EMPLOYMENT if closed else "",
                    created_by=user,
                )
            )
            if not closed:
                for kind, days in ((ServiceKind.POLICY, 7), (ServiceKind.GUIDANCE, 30)):
                    records.append(
                        ServiceRecord(
                            worker_id=worker_id,
                            kind=kind,
                            date=entry + timedelta(days=days),
                            provided_by="经办员",
                            created_by=user,
                        )
                    )
        Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        ServiceRecord.objects.bulk_create(records, batch_size=5000)
        counts["enrolments"] = len(enrolments)
        counts["1131 records"] = len(records)

        # Public-welfare posts of open enrolments, each on one of the holder's jobs.
        open_ids = [e.worker_id for e in enrolments if e.exit_date is None]
        holders = set(rnd.sample(open_ids, min(len(open_ids), int(len(workers) * shares["welfare_posts"]))))
        jobs = {}
        for worker_id, job_id, start in (
            Employment.objects.filter(worker_id__in=holders)
            .order_by("worker_id", "id")
            .values_list("worker_id", "id", "start_date")
        ):
            jobs.setdefault(worker_id, (job_id, start))
        kinds = [k for k in PostKind.values if k != PostKind.OTHER]
        for worker_id, (job_id, start) in sorted(jobs.items()):
            posts.append(
                PublicWelfarePost(
                    worker_id=worker_id,
                    kind=rnd.choice(kinds),
                    start_date=start,
                    monthly_subsidy=Decimal("800.00"),
                    employment_id=job_id,
                    created_by=user,
                )
            )
        PublicWelfarePost.objects.bulk_create(posts, batch_size=5000)
        counts["welfare posts"] = len(posts)

        # Courses, eight per township, and their participants from the township.
        township_ids = sorted({w[1] for w in workers})
        course_kinds = list(CourseKind.values)
        courses = Course.objects.bulk_create(
            [
                Course(
                    name=f"{kind_i}期职业技能培训班",
                    kind=course_kinds[kind_i % len(course_kinds)],
                    provider="万州区职业培训学校",
                    start_date=date(2025, 3, 1) + timedelta(days=30 * kind_i),
                    end_date=date(2025, 3, 20) + timedelta(days=30 * kind_i),
                    follow_up_until=follow_up_until(date(2025, 3, 20) + timedelta(days=30 * kind_i)),
                    township_id=t,
                    created_by=user,
                )
                for t in township_ids
                for kind_i in range(COURSES_PER_TOWNSHIP)
            ]
        )
        by_township = {}
        for course in courses:
            by_township.setdefault(course.township_id, []).append(course.pk)
        participations = [
            Participation(
                course_id=rnd.choice(by_township[t]),
                worker_id=w,
                completed=rnd.random() < 0.7,
                created_by=user,
            )
            for w, t, _v, _n in workers
            if rnd.random() < shares["participants"]
        ]
        Participation.objects.bulk_create(participations, batch_size=5000)
        counts["courses"] = len(courses)
        counts["participants"] = len(participations)

        # Subsidy applications of people, in every status of the workflow.
        kinds = list(SubsidyKind.objects.order_by("sort_order", "code").values_list("pk", flat=True)) or []
        statuses = [
            (Status.DRAFT, 20),
            (Status.SUBMITTED, 30),
            (Status.TOWNSHIP_APPROVED, 20),
            (Status.DISTRICT_APPROVED, 15),
            (Status.PAID, 15),
        ]
        status_table = [s for s, weight in statuses for _ in range(weight)]
        committed = {Status.DISTRICT_APPROVED, Status.PAID}
        applications = []
        for w, t, _v, _name in workers:
            if not kinds or rnd.random() >= shares["applications"]:
                continue
            status = rnd.choice(status_table)
            amount = Decimal(rnd.randrange(10, 50) * 100)
            applications.append(
                Application(
                    kind_id=rnd.choice(kinds),
                    year=rnd.choice((2025, 2026)),
                    township_id=t,
                    applicant_type=ApplicantType.WORKER,
                    worker_id=w,
                    amount_requested=amount,
                    amount_approved=amount if status in committed else None,
                    status=status,
                    created_by=user,
                )
            )
        Application.objects.bulk_create(applications, batch_size=5000)
        counts["applications"] = len(applications)

        # Import batches: two years of quarterly returns per township, already imported.
        batches = [
            ImportBatch(
                township_id=t,
                year=year,
                quarter=q,
                file_name=f"{year}年第{q}季度.xlsx",
                file_sha256=f"{t:08d}{year}{q}".ljust(64, "0"),
                status="imported",
                rows_total=300,
                rows_processed=300,
                rows_new=280,
                rows_unchanged=20,
                uploaded_by=user,
            )
            for t in township_ids
            for year in (2025, 2026)
            for q in (1, 2, 3, 4)
        ][: len(township_ids) * BATCHES_PER_TOWNSHIP]
        ImportBatch.objects.bulk_create(batches)
        counts["import batches"] = len(batches)

        # Audit entries: changes and views of people, by the generator's user.
        worker_type = ContentType.objects.get_for_model(Worker)
        entries = []
        for w, t, _v, name in workers:
            x = rnd.random()
            for _ in range(int(shares["audit_entries"]) + (x < shares["audit_entries"] % 1)):
                action = rnd.choice((LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.ACCESS))
                entries.append(
                    LogEntry(
                        content_type=worker_type,
                        object_pk=str(w),
                        object_id=w,
                        object_repr=f"{name}（{w}）",
                        action=action,
                        changes={} if action != LogEntry.Action.ACCESS else None,
                        actor=user,
                        additional_data={
                            "worker": w,
                            "township": t,
                            **({"event": "view_id_number"} if action == LogEntry.Action.ACCESS else {}),
                        },
                    )
                )
            if len(entries) >= 20000:
                LogEntry.objects.bulk_create(entries)
                counts["audit entries"] = counts.get("audit entries", 0) + len(entries)
                entries = []
        LogEntry.objects.bulk_create(entries)
        counts["audit entries"] = counts.get("audit entries", 0) + len(entries)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    log(
        "extras: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items() if k != "seconds")
        + f" ({counts['seconds']} s)"
    )
    return counts


def verify(sample: int = 2000, *, allow_future: bool = False, seed: int = 1) -> list[str]:
    """Check a random sample of the ledger with the project's own validators; returns the problems found.

    ID numbers (GB 11643 check digit, sex and birth date), phones, credit codes (GB 32100 + GB 11714),
    employer keys (`employer_key(name)`), the start-date window and the age rule. The database constraints
    (natural key, workplace township iff in-district, end ≥ start, foreign keys) are enforced by PostgreSQL
    on COPY itself."""
    from workers.services import MIN_WORKING_AGE, township_on
    from workers.validators import (
        age_on,
        id_number_info,
        normalise_credit_code,
        normalise_id_number,
        normalise_phone,
    )

    problems: list[str] = []
    rnd = random.Random(seed)
    today = timezone.localdate()
    max_worker = Worker.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = sorted({rnd.randint(1, max_worker) for _ in range(sample)}) if max_worker else []
    for w in Worker.objects.filter(id__in=ids):
        try:
            if normalise_id_number(w.id_number) != w.id_number:
                problems.append(f"worker {w.pk}: ID number not in normal form")
            info = id_number_info(w.id_number)
            if (info.sex, info.birth_date) != (w.sex, w.birth_date):
                problems.append(f"worker {w.pk}: sex/birth date disagree with the ID number")
            if w.phone and normalise_phone(w.phone) != w.phone:
                problems.append(f"worker {w.pk}: phone not in normal form")
        except Exception as exc:
            problems.append(f"worker {w.pk}: {exc}")
    for e in Employer.objects.filter(id__in=ids):
        if e.name_key != employer_key(e.name):
            problems.append(f"employer {e.pk}: name_key is not employer_key(name)")
        if e.credit_code:
            try:
                normalise_credit_code(e.credit_code)
            except Exception as exc:
                problems.append(f"employer {e.pk}: {e.credit_code} {exc}")
    jobs = Employment.objects.filter(worker_id__in=ids).select_related("worker", "employer")
    for job in jobs:
        if job.employer_key != employer_key(job.employer.name):
            problems.append(f"employment {job.pk}: employer_key is not employer_key(employer.name)")
        if job.start_date < PLAN_START or (job.start_date > today and not allow_future):
            problems.append(f"employment {job.pk}: start date {job.start_date} outside the window")
        if job.end_date and job.end_date > today and not allow_future:
            problems.append(f"employment {job.pk}: end date {job.end_date} in the future")
        if age_on(job.worker.birth_date, job.start_date) < MIN_WORKING_AGE:
            problems.append(f"employment {job.pk}: worker under {MIN_WORKING_AGE} at start")
        if job.registration_township_id != township_on(job.worker, job.start_date):
            problems.append(f"employment {job.pk}: registration township is not the one on the start date")
    n_ids = Worker.objects.values("id_number").distinct().count()
    if n_ids != Worker.objects.count():
        problems.append("duplicate ID numbers")
    return problems


def format_counts(counts: dict) -> str:
    s = counts["seconds"]
    years = ", ".join(f"{y}: {n:,}" for y, n in counts["employments_by_start_year"].items())
    future = (
        "  (--allow-future: start dates after today, benchmark volume only)" if counts["allow_future"] else ""
    )
    parts = [
        f"employers {s['employers_generated']:.1f} s",
        f"workers generated and written {s['workers_written']:.1f} s",
        f"employments COPY {s['employments_written']:.1f} s",
    ]
    if "indexes_built" in s:
        parts.append(f"indexes rebuilt {s['indexes_built']:.1f} s")
    if "foreign_keys_checked" in s:
        parts.append(f"foreign keys checked {s['foreign_keys_checked']:.1f} s")
    parts.append(f"VACUUM ANALYZE {s['analyze']:.1f} s")
    return "\n".join(
        [
            f"database {counts['database']}, seed {counts['seed']}, today {counts['today']}",
            f"start dates {counts['start_dates']}{future}",
            f"wrote {counts['workers']:,} workers, {counts['employers']:,} employers, {counts['employments']:,} "
            f"employments ({counts['employments_in_district']:,} in the district; by start year {years}); "
            f"{counts.get('workers_moved', 0):,} workers moved their registration once",
            f"generation took {s['total']:.1f} s — " + ", ".join(parts),
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic Wanzhou district for the benchmarks.")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--workers", type=int, help="number of workers (1–3 employments each, mean 1.95)")
    size.add_argument("--employments", type=int, help="exact number of employments (workers as needed)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--truncate", action="store_true", help="empty the ledger tables first")
    parser.add_argument(
        "--allow-future",
        action="store_true",
        help="spread start dates over all of 2025–2027, past today (benchmark volume only)",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow --truncate on a database whose name has no 'bench'/'test'"
    )
    parser.add_argument("--verify", action="store_true", help="check a sample with the project's validators")
    parser.add_argument(
        "--extras",
        action="store_true",
        help="also households, 1131 enrolments and records, posts, training, subsidy applications, import "
        "batches and audit entries for the workers (issue 27)",
    )
    args = parser.parse_args(argv)
    name = _database_name()
    if args.truncate and not args.force and not any(w in Path(name).name.lower() for w in ("bench", "test")):
        print(f"refusing to truncate the ledger of database {name!r}; use a *bench* database or --force")
        return 2
    counts = generate(
        args.workers or 0,
        args.seed,
        employments_target=args.employments,
        truncate=args.truncate,
        allow_future=args.allow_future,
        log=print,
    )
    print(format_counts(counts))
    if args.extras:
        generate_extras(args.seed, log=print)
    if args.verify:
        problems = verify(allow_future=args.allow_future)
        print(
            "verify: "
            + (
                "OK (sample of ~2,000 workers and their jobs)"
                if not problems
                else f"{len(problems)} problems"
            )
        )
        for p in problems[:50]:
            print("  " + p)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
