"""Demo service commissioners, visits and requests (诉求) for ``seed_demo``.

The 台山 and 开平 county officials serve the first provincial-and-above SRDI enterprises of their
county (and, in 台山, the first enterprises of the reserve pool); some were visited this quarter,
some last quarter only, the rest never. Requests are recorded and handled through the services
(deadlines in working days, events, audit) on dates counted back from ``today``, so the demo city
has one request in every state of the life cycle, one of them overdue, and the pages, the figures
and the home page's to-dos show something. Deterministic for a given ``today``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import User
from enterprises.dynamics.choices import ReserveStatus
from enterprises.models import Enterprise, Tier

from . import services
from .choices import Satisfaction, Urgency, VisitForm
from .models import CommissionerAssignment, RequestCategory, Visit
from .selectors import SRDI_TIER, quarter_start

# county code → (commissioner's username, SRDI enterprises served, reserve-pool enterprises served)
SERVED = {"440781": ("taishan", 12, 3), "440783": ("kaiping", 8, 0)}
# of each county's served SRDI enterprises (in credit-code order): visited this quarter, then last quarter only
VISITED = {"440781": (6, 2), "440783": (3, 1)}

SITUATIONS = [
    (
        "订单饱满，排产至下季度",
        "两条产线满负荷运行",
        "在岗 210 人，计划招聘技工 15 人",
        "拟投资 3000 万元建设智能化车间",
    ),
    ("外贸订单同比下降约一成", "开工率约八成", "在岗 96 人，基本稳定", "暂缓扩产，推进设备数字化改造"),
    ("新增两家整车厂配套订单", "正常生产", "在岗 158 人", "申报省级工程技术研究中心"),
]

# The requests of the demo, one per state: (county, index of the served enterprise, category,
# description, days before today received, the steps taken: (step, days before today, text)).
REQUESTS: list[tuple[str, int, str, str, int, list[tuple[str, int, str]]]] = [
    ("440781", 0, "policy", "咨询省级专精特新中小企业认定申报条件及材料要求", 0, []),
    (
        "440781",
        1,
        "finance",
        "企业计划购置进口数控设备，申请技改贷款贴息并对接银行授信",
        21,
        [],  # urgent, never accepted: past its acceptance deadline (overdue)
    ),
    ("440781", 2, "talent", "高级技工招聘困难，希望对接职业院校订单式培养", 5, [("accept", 4, "")]),
    (
        "440781",
        3,
        "ip",
        "核心产品被仿冒，请求协助开展专利侵权维权",
        9,
        [("accept", 8, ""), ("reply", 4, "已联系市场监管部门立案，并安排知识产权维权援助中心对接")],
    ),
    (
        "440781",
        4,
        "energy",
        "新厂房用电报装容量不足，申请增容",
        60,
        [
            ("accept", 59, ""),
            ("reply", 55, "供电部门已现场勘查，增容方案已确定"),
            ("close", 45, "增容工程已完工送电"),
            ("rate", 44, Satisfaction.SATISFIED),
        ],
    ),
    (
        "440781",
        5,
        "land",
        "扩产项目用地指标需求约 30 亩",
        12,
        [("accept", 11, ""), ("suspend", 6, "待企业补充项目可行性研究报告")],
    ),
    ("440781", 6, "market", "希望参加境外展会，申请展位费补助", 7, [("return", 6, "请补充拟参展的展会名称与时间")]),
    (
        "440783",
        0,
        "approval",
        "新建车间环评审批进度咨询",
        45,
        [
            ("accept", 44, ""),
            ("reply", 40, "已协调审批部门开通绿色通道"),
            ("close", 33, "环评批复已下达"),
            ("rate", 32, Satisfaction.MOSTLY_SATISFIED),
        ],
    ),
    ("440783", 1, "tax", "研发费用加计扣除政策适用咨询", 0, []),
]


def _served(county: str, srdi: int, reserve: int, today: dt.date) -> tuple[list[Enterprise], list[Enterprise]]:
    rank = Tier.objects.filter(code=SRDI_TIER).values_list("rank", flat=True).first() or 0
    demo = Enterprise.objects.filter(is_demo=True, county__code=county)
    srdi_rows = list(demo.with_current_tier(today).filter(current_tier_rank__gte=rank).order_by("credit_code")[:srdi])
    taken = [e.pk for e in srdi_rows]
    pool = (
        demo.filter(reserve_entries__status__in=[ReserveStatus.RECOMMENDED, ReserveStatus.APPLIED])
        .exclude(pk__in=taken)
        .distinct()
        .order_by("credit_code")[:reserve]
    )
    return srdi_rows, list(pool)


def _step(step: str, request: Any, day: dt.date, text: str, handler: User, recorder: User) -> Any:
    if step == "accept":
        return services.accept_request(actor=handler, request=request, today=day)
    if step == "reply":
        return services.reply_request(actor=handler, request=request, text=text, today=day)
    if step == "close":
        return services.close_request(actor=handler, request=request, text=text, today=day)
    if step == "suspend":
        return services.suspend_request(actor=handler, request=request, text=text, today=day)
    if step == "return":
        return services.return_request(actor=handler, request=request, text=text)
    if step == "rate":
        return services.rate_request(actor=recorder, request=request, satisfaction=text, today=day)
    raise ValueError(step)


def seed(*, rng: Any, today: dt.date, stdout: Any) -> None:
    if not Enterprise.objects.filter(is_demo=True).exists():
        stdout.write("support demo: no demo enterprises, skipped")
        return
    if CommissionerAssignment.objects.filter(enterprise__is_demo=True).exists():
        stdout.write("support demo: already seeded, skipped")
        return
    handler = User.objects.filter(username="city").first()
    commissioners = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in SERVED.values()])}
    if handler is None or len(commissioners) < len(SERVED):
        stdout.write("support demo: demo users missing, skipped")
        return
    categories = {c.code: c for c in RequestCategory.objects.all()}
    starts_on = today - dt.timedelta(days=200)
    this_quarter, last_quarter = quarter_start(today), quarter_start(today) - dt.timedelta(days=30)
    served: dict[str, list[Enterprise]] = {}
    assignments = visits = 0
    for county, (username, srdi_count, reserve_count) in SERVED.items():
        commissioner = commissioners[username]
        srdi, pool = _served(county, srdi_count, reserve_count, today)
        served[county] = srdi
        for enterprise in srdi + pool:
            services.assign_commissioner(
                actor=commissioner, enterprise=enterprise, commissioner=commissioner, starts_on=starts_on
            )
            assignments += 1
        recent, earlier = VISITED[county]
        for index, enterprise in enumerate(srdi[: recent + earlier]):
            if index < recent:
                visited_on = max(this_quarter, today - dt.timedelta(days=3 + 5 * index))
            else:
                visited_on = last_quarter - dt.timedelta(days=5 * index)
            orders, production, employment, investment = SITUATIONS[index % len(SITUATIONS)]
            services.record_visit(
                actor=commissioner,
                visit=Visit(
                    enterprise=enterprise,
                    visited_on=visited_on,
                    form=[VisitForm.ON_SITE, VisitForm.PHONE, VisitForm.VIDEO][index % 3],
                    participants=f"{commissioner.full_name}；企业总经理",
                    orders=orders,
                    production=production,
                    employment=employment,
                    investment=investment,
                    next_visit_on=visited_on + dt.timedelta(days=90),
                ),
                today=today,
            )
            visits += 1
    requests = 0
    for county, index, category, description, days_ago, steps in REQUESTS:
        enterprises = served[county]
        if index >= len(enterprises):
            continue
        recorder = commissioners[SERVED[county][0]]
        request, _ = services.create_request(
            actor=recorder,
            enterprise=enterprises[index],
            category=categories[category],
            description=description,
            urgency=Urgency.URGENT if category == "finance" else Urgency.NORMAL,
            received_on=today - dt.timedelta(days=days_ago),
            today=today,
        )
        for step, ago, text in steps:
            request = _step(step, request, today - dt.timedelta(days=ago), text, handler, recorder)
        requests += 1
    stdout.write(f"support: {assignments} commissioner assignments, {visits} visits, {requests} requests")
