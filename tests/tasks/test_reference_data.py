"""The matrix as loaded from fixtures/reference/080_tasks.yaml matches the plan (江府办函〔2024〕13号)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tasks.models import KeyTask, ReportingPeriod, TaskUnit

pytestmark = pytest.mark.django_db

PLAN = Path("/work/shared/seed/jiangmen-action-plan-2024-2026.txt")

# domain.md §3: task → units, lead first (department codes of 020_departments.yaml)
EXPECTED = {
    "二（一）": ("强化培育力度，促进数量倍增", ["miit"]),
    "二（二）1": ("提升技术创新能力", ["kjj", "miit", "fgj", "czj"]),
    "二（二）2": ("促进数字化转型", ["miit", "czj"]),
    "二（二）3": ("加强质量标准和品牌建设", ["scjgj", "miit"]),
    "二（二）4": ("加强知识产权创造和运用", ["scjgj", "miit"]),
    "二（二）5": ("加大财政扶持力度", ["miit", "czj", "jrj", "rsj"]),
    "二（三）1": ("助力市场开拓", ["miit", "czj", "swj", "customs"]),
    "二（三）2": ("畅通资金融通渠道", ["jrj", "nfra", "miit", "czj", "pbc"]),
    "二（三）3": ("灵活解决土地需求", ["zrzyj", "zjj"]),
    "二（三）4": ("强化人才支撑", ["rcj", "fgj", "jyj", "czj", "rsj", "miit"]),
    "二（三）5": ("强化服务支持", ["miit", "scjgj", "fgj", "tax", "zsj"]),
}


def test_all_eleven_key_tasks_with_units_in_plan_order_and_correct_lead():
    tasks = {t.number: t for t in KeyTask.objects.filter(kind="task")}
    assert sorted(tasks) == sorted(EXPECTED)
    for number, (title, units) in EXPECTED.items():
        task = tasks[number]
        assert task.title == title
        assert task.counties_responsible, number
        rows = list(TaskUnit.objects.filter(task=task).order_by("position").values_list("department__code", "position"))
        assert [code for code, _ in rows] == units, number
        assert [pos for _, pos in rows] == list(range(1, len(units) + 1))
        assert task.lead_department_id == TaskUnit.objects.get(task=task, department__code=units[0]).department_id


def test_every_unit_named_by_the_plan_is_a_department_of_some_task():
    named = {code for _, units in EXPECTED.values() for code in units}
    in_matrix = set(TaskUnit.objects.filter(task__kind="task").values_list("department__code", flat=True))
    assert in_matrix == named
    assert len(named) == 17


def test_measures_are_the_plans_text():
    plan = re.sub(r"\s+", "", PLAN.read_text(encoding="utf-8")) if PLAN.exists() else None
    if plan is None:
        pytest.skip("plan text not available")
    plan = plan.replace("对专专精特新", "对专精特新")
    for task in KeyTask.objects.all():
        text = re.sub(r"\s+", "", task.measures)
        assert len(text) > 40, task
        assert text in plan, task.number
    # the measures of 二（三）2 include the listing goal, 二（二）3 the brands goal
    assert "力争每年推动1-2家专精特新中小企业上市" in KeyTask.objects.get(code="2-3-2").measures
    assert "力争打造3-5个专精特新产业品牌" in KeyTask.objects.get(code="2-2-3").measures


def test_safeguards_of_section_three_are_listed_and_led_by_miit():
    safeguards = KeyTask.objects.filter(kind="safeguard").order_by("sort_order")
    assert [s.number for s in safeguards] == ["三（一）", "三（二）"]
    for s in safeguards:
        assert s.units.get(position=1).department.code == "miit"
    assert safeguards[0].units.count() == 17  # 各部门


def test_periods_are_quarters_2024_to_2026_due_ten_days_after_quarter_end():
    periods = list(ReportingPeriod.objects.order_by("starts_on"))
    assert [p.code for p in periods] == [f"{y}Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
    for p in periods:
        assert (p.due_on - p.ends_on).days == 10
    assert str(periods[-1].due_on) == "2027-01-10"


def test_loading_the_reference_data_again_changes_nothing():
    before = (KeyTask.objects.count(), TaskUnit.objects.count(), ReportingPeriod.objects.count())
    ids = set(KeyTask.objects.values_list("pk", flat=True))
    call_command("load_reference_data", verbosity=0)
    assert (KeyTask.objects.count(), TaskUnit.objects.count(), ReportingPeriod.objects.count()) == before
    assert set(KeyTask.objects.values_list("pk", flat=True)) == ids
