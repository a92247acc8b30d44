"""Names of the household register for the tests of every door (issue 25).

Forty rare characters of real names, from the common-but-rare of the basic block (堃 喆 赟) to those the
2013 通用规范汉字表 added from Extensions A–E for personal names, and twelve minority names, some written
with the other separators (・ ‧ •) that are stored as `·`.
"""

RARE_CHARACTERS = (
    # Basic block and Extension A
    "堃喆赟昇犇淼焱垚鑫龑䶮"
    # Extension B
    "𠮷𡒄𨚕𪚥𡈼𠙶"
    # Extension C
    "𫖮𫖯𫄷𫍣𫓧"
    # Extension D
    "𫟅𫠆"
    # Extension E
    "𬌗𬘬𬇙𬳶𬍛𬤇𬀪𬳵𬳽𬭚𬭛𬱖𬣙𬇕𬞟𬸘"
)
SURNAMES = "王李张刘陈杨黄赵吴周"

#: (as written, as stored)
MINORITY_NAMES = (
    ("买买提·艾力", "买买提·艾力"),
    ("阿依古丽・吐尔逊", "阿依古丽·吐尔逊"),
    ("扎西‧多吉", "扎西·多吉"),
    ("热依拉•阿不都热合曼", "热依拉·阿不都热合曼"),
    ("努尔兰 · 哈孜别克", "努尔兰·哈孜别克"),
    ("巴特尔·乌力吉", "巴特尔·乌力吉"),
    ("格桑·卓玛", "格桑·卓玛"),
    ("艾则孜·吐尔地", "艾则孜·吐尔地"),
    ("依明·艾合买提", "依明·艾合买提"),
    ("木沙江·努尔墩", "木沙江·努尔墩"),
    ("阿卜杜热合曼·阿卜杜克热木·买买提明", "阿卜杜热合曼·阿卜杜克热木·买买提明"),
    ("娜塔莉亚・亚历山德罗芙娜・伊万诺娃", "娜塔莉亚·亚历山德罗芙娜·伊万诺娃"),
)


def rare_names() -> list[tuple[str, str]]:
    """(as written, as stored) for every rare character — a surname and the character, 李〇 too — and
    every minority name."""
    names = [(SURNAMES[i % len(SURNAMES)] + char,) * 2 for i, char in enumerate(RARE_CHARACTERS)]
    return [*names, ("李〇", "李〇"), *MINORITY_NAMES]
