"""Monitoring-list files as the monitoring system exports them, built in memory (tests and bench/monitoring.py)."""

import io
from datetime import date, timedelta

import openpyxl

from workers.validators import id_number_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国玉兰秀英志强丽娟文军春梅海燕德成桂芳红霞永福"
RELATIONS = ["户主", "配偶", "之子", "之女", "之孙子"]
CATEGORIES = ["防止返贫致贫对象", "继续帮扶对象", "脱贫人口"]
CAPACITIES = ["普通劳动力", "弱劳动力或半劳动力", "无劳动力", "技能劳动力", ""]
HEADERS = ["户编号", "户主姓名", "姓名", "公民身份号码", "与户主关系", "人员类别", "劳动能力", "户籍所在镇乡街道", "户籍所在村（社区）", "是否务工"]  # fmt: skip


def person_id(n: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=n // 900)
    body = f"500101{birth:%Y%m%d}{n % 900 + 100:03d}"
    return body + id_number_check_char(body)


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 3) % len(GIVEN)]


def list_rows(people, townships, *, per_household: int = 5) -> list[list]:
    """One row a person: person n lives in household n // per_household of township (household index) % len."""
    rows = []
    for n in people:
        h = n // per_household
        township = townships[h % len(townships)]
        rows.append(
            [
                f"H{h:07d}",
                person_name(h * per_household),
                person_name(n),
                person_id(n),
                RELATIONS[n % per_household],
                CATEGORIES[h % 3],
                CAPACITIES[n % len(CAPACITIES)],
                township,
                f"{township}第{h % 9 + 1}村",
                "是" if n % 4 == 0 else "否",
            ]
        )
    return rows


def workbook(rows, headers=HEADERS, *, title: str | None = None) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "监测名单.xlsx"
    return buffer
