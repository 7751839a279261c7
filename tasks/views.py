"""Pages of the responsibility matrix: matrix, export, my tasks, lateness and reminders, task
timeline, report form, report detail and review, attachments. Thin: reads via ``selectors``, writes
via ``services``; every object is fetched through ``for_user`` (404 outside the user's reach)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from core.scoping import CHANGE, VIEW
from core.views import ScopedObjectMixin, ServiceFormMixin, call_service, query_value

from . import selectors, services
from .attachments import CONTENT_TYPES, error_is_about_upload
from .choices import CELL_BADGES, REVIEW, CellStatus, ReportStatus
from .forms import ReminderForm, ReportForm, ReviewForm, TaskForm
from .models import (
    KeyTask,
    ProgressReport,
    ReportAttachment,
    ReportingPeriod,
    reference_scope_check,
    report_allows,
    report_filter,
)


class PeriodMixin:
    """``?period=2026Q3`` or the period being reported now."""

    def get_period(self, default=None):
        user = self.request.user
        default = default or selectors.current_period(user=user)
        period = selectors.period_from_code(user=user, code=query_value(self.request, "period"), default=default)
        if period is None:
            raise Http404
        return period

    def period_context(self, period):
        return {
            "period": period,
            "periods": list(ReportingPeriod.objects.for_user(self.request.user, VIEW)),
            "today": timezone.localdate(),
        }


def scoped_object(model, user, action: str, **lookup):
    """``model.objects.for_user(user, action)`` then the object: 403 when the role may not do the
    action at all (the model's queryset answers nothing for it), 404 when the object is out of reach."""
    if action in (CHANGE, REVIEW) and model is ProgressReport and report_filter(user, action) is None:
        raise PermissionDenied
    if action == CHANGE and model is KeyTask:
        reference_scope_check(user, CHANGE)
    return get_object_or_404(model.objects.for_user(user, action), **lookup)


def status_legend():
    return [(CellStatus(s).label, CELL_BADGES[s]) for s in CellStatus.values]


class MatrixView(ScopedObjectMixin, PeriodMixin, TemplateView):
    template_name = "tasks/matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(KeyTask)  # 403 for roles without business access
        period = self.get_period()
        context.update(self.period_context(period))
        context.update(
            matrix=selectors.matrix(user=self.request.user, period=period),
            legend=status_legend(),
            may_coordinate=selectors.may_coordinate(self.request.user),
        )
        return context


class MatrixExportView(ScopedObjectMixin, PeriodMixin, View):
    def get(self, request):
        if not selectors.may_coordinate(request.user):
            raise PermissionDenied
        period = self.get_period()
        data = services.matrix_export(actor=request.user, period=period)
        response = HttpResponse(data, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = f'attachment; filename="responsibility-matrix-{period.code}.xlsx"'
        return response


class MyTasksView(ScopedObjectMixin, PeriodMixin, TemplateView):
    template_name = "tasks/my_tasks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(KeyTask)
        user = self.request.user
        period = self.get_period()
        department, county = selectors.user_unit(user)
        context.update(self.period_context(period))
        context.update(
            unit=department or county,
            my_tasks=selectors.my_tasks(user=user, period=period),
            review_queue=list(selectors.review_queue(user=user)),
            reminders=selectors.reminders_for(user=user),
        )
        return context


class LatenessView(ScopedObjectMixin, PeriodMixin, TemplateView):
    """Who is late for a period (default: the latest overdue one), with a reminder action."""

    template_name = "tasks/lateness.html"
    paginate_by = 50  # units a page (the reminder form sends the chosen units of the page shown)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not selectors.may_coordinate(self.request.user):
            raise PermissionDenied
        user = self.request.user
        period = self.get_period(
            default=selectors.latest_overdue_period(user=user) or selectors.current_period(user=user)
        )
        show_all = self.request.GET.get("show") == "all"
        statuses = (
            None
            if show_all
            else {CellStatus.MISSING, CellStatus.LATE, CellStatus.DRAFT, CellStatus.PENDING, CellStatus.RETURNED}
        )
        rows = selectors.slots(user=user, period=period, statuses=statuses)
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(self.period_context(period))
        context.update(
            slots=page.object_list,
            page_obj=page,
            show_all=show_all,
            form=kwargs.get("form") or ReminderForm(),
            overdue=period.is_overdue(timezone.localdate()),
        )
        return context


class ReminderSendView(ScopedObjectMixin, PeriodMixin, View):
    """POST: remind the chosen units (``slot`` values ``<task id>:d<department id>`` / ``:c<county id>``)."""

    def post(self, request):
        if not selectors.may_coordinate(request.user):
            raise PermissionDenied
        period = get_object_or_404(
            ReportingPeriod.objects.for_user(request.user, VIEW), code=request.POST.get("period")
        )
        form = ReminderForm(request.POST)
        back = f"{reverse('tasks:lateness')}?period={period.code}"
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        expected = {(s.task.pk, s.column.key): s for s in selectors.slots(user=request.user, period=period)}
        targets, unknown = [], []
        for value in request.POST.getlist("slot"):
            task_id, _sep, key = value.partition(":")
            slot = expected.get((int(task_id) if task_id.isdigit() else None, key))
            if slot is None:
                unknown.append(value)
                continue
            targets.append((slot.task, slot.column.department, slot.column.county))
        if unknown:
            messages.error(
                request,
                _("Some of the chosen units are not responsible for the task: %(values)s. Nothing was sent.")
                % {"values": "、".join(unknown)},
            )
            return redirect(back)
        if not targets:
            messages.error(request, _("Choose at least one unit to remind."))
            return redirect(back)
        call_service(
            request,
            lambda: services.reminder_send(
                actor=request.user, period=period, targets=targets, message=form.cleaned_data["message"]
            ),
            success=lambda sent: _("%(n)d reminders sent.") % {"n": len(sent)},
        )
        return redirect(back)


#: Panels of apps above ``tasks`` on a task's page: (template, context function of (request, task,
#: period)), registered in their ``AppConfig.ready`` (no upward import; policies: the support
#: granted under the task's policies in the period).
TASK_PANELS: list[tuple[str, Callable]] = []


def register_task_panel(template_name: str, context: Callable) -> None:
    if all(name != template_name for name, _fn in TASK_PANELS):
        TASK_PANELS.append((template_name, context))


class TaskDetailView(ScopedObjectMixin, PeriodMixin, TemplateView):
    """A task: its measures and units, this period's status per unit, and a timeline of reports."""

    template_name = "tasks/task_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        task = self.scoped_get(KeyTask, code=kwargs["code"])
        period = self.get_period()
        m = selectors.matrix(user=user, period=period)
        cells = next((cells for t, cells in m.rows if t.pk == task.pk), [])
        reports = selectors.task_reports(user=user, task=task)
        timeline = {}
        for report in reports:
            timeline.setdefault(report.period, []).append(report)
        department, county = selectors.user_unit(user)
        context.update(self.period_context(period))
        context.update(
            task=task,
            indicators=selectors.served_indicators(task),
            units=list(task.units.select_related("department").order_by("position")),
            cells=[c for c in cells if c.responsible],
            timeline=list(timeline.items()),
            legend=status_legend(),
            can_edit_task=KeyTask.objects.for_user(user, CHANGE).filter(pk=task.pk).exists(),
            my_unit=department or county,
            is_my_task=bool(department and task.units.filter(department=department).exists())
            or bool(county and task.counties_responsible),
            panels=[(name, fn(self.request, task, period)) for name, fn in TASK_PANELS],
        )
        return context


class TaskEditView(ServiceFormMixin, ScopedObjectMixin, FormView):
    """City operators edit a task of the plan (``/tasks/<code>/edit/``) or add one (``/tasks/new/``)."""

    template_name = "tasks/task_form.html"
    form_class = TaskForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if "code" in kwargs:
                self.task = scoped_object(KeyTask, request.user, CHANGE, code=kwargs["code"])
            else:
                reference_scope_check(request.user, CHANGE)
                self.task = KeyTask(source_document="")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.task}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(task=self.task, wide_fields=["measures", "units"])
        return context

    def perform(self, form):
        return services.task_save(
            actor=self.request.user, task=form.save(commit=False), departments=form.cleaned_data["units"]
        )


class ReportEditView(ServiceFormMixin, ScopedObjectMixin, FormView):
    """The logged-in unit writes its report on a task for a period: save a draft or submit."""

    template_name = "tasks/report_form.html"
    form_class = ReportForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        if report_filter(request.user, CHANGE) is None:
            raise PermissionDenied
        department, county = selectors.user_unit(request.user)
        self.task = self.scoped_get(KeyTask, code=kwargs["code"], is_active=True)
        self.period = self.scoped_get(ReportingPeriod, code=kwargs["period"])
        responsible = (
            self.task.units.filter(department=department).exists()
            if department is not None
            else self.task.counties_responsible
        )
        if not responsible:
            raise Http404
        self.report = services.report_for_unit(task=self.task, period=self.period, department=department, county=county)
        if self.report.pk and not self.report.is_editable:
            messages.info(
                request,
                _("This report has been %(status)s and can no longer be changed.")
                % {"status": self.report.get_status_display()},
            )
            return redirect(self.report)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        co_reports = []
        if self.report.department_id and self.report.department_id == self.task.lead_department_id:
            co_reports = [
                r
                for r in selectors.task_reports(user=user, task=self.task)
                if r.period_id == self.period.pk and r.pk != self.report.pk
            ]
        context.update(
            task=self.task,
            period=self.period,
            report=self.report,
            attachments=list(self.report.attachments.all()) if self.report.pk else [],
            co_reports=co_reports,
            overdue=self.period.is_overdue(timezone.localdate()),
            wide_fields=["summary", "figures", "problems", "next_steps", "uploads"],
        )
        return context

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.report}

    def perform(self, form):
        self.submit = self.request.POST.get("action") == "submit"
        return services.report_save(
            actor=self.request.user,
            report=form.save(commit=False),
            expected_version=form.cleaned_data.get("version"),
            uploads=form.cleaned_data["uploads"],
            submit=self.submit,
        )

    def service_error_unnamed(self, error):  # a stale edit too: one message, no field
        return "uploads" if error_is_about_upload(error) else None

    def service_succeeded(self, form, result):
        messages.success(self.request, _("Report submitted.") if self.submit else _("Draft saved."))
        if self.submit:
            return redirect(result)
        return redirect(reverse("tasks:report_edit", args=[self.task.code, self.period.code]))

    def form_invalid(self, form):
        # the instance carries the failed attempt's values; show the stored report again
        self.report = services.report_for_unit(
            task=self.task, period=self.period, department=self.report.department, county=self.report.county
        )
        return super().form_invalid(form)


class ReportDetailView(ScopedObjectMixin, TemplateView):
    template_name = "tasks/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        self.scoped_queryset(ProgressReport)  # 403 for roles without business access
        report = get_object_or_404(
            ProgressReport.objects.for_user(user, VIEW)
            .select_related("task", "period", "department", "county", "submitted_by", "reviewed_by")
            .prefetch_related("transitions", "attachments"),
            pk=kwargs["pk"],
        )
        co_reports = []
        if report.kind == "consolidated":
            co_reports = [
                r
                for r in selectors.task_reports(user=user, task=report.task)
                if r.period_id == report.period_id and r.pk != report.pk
            ]
        can_review = report.status == ReportStatus.SUBMITTED and bool(report_allows(user, REVIEW, report))
        context.update(
            report=report,
            co_reports=co_reports,
            can_edit=report.is_editable and bool(report_allows(user, CHANGE, report)),
            can_review=can_review,
            review_form=kwargs.get("review_form") or ReviewForm(initial={"version": report.version}),
        )
        return context


class ReportReviewView(ScopedObjectMixin, View):
    def post(self, request, pk):
        report = scoped_object(ProgressReport, request.user, REVIEW, pk=pk)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(report)
        accept = form.cleaned_data["decision"] == "accept"
        call_service(
            request,
            lambda: services.report_review(
                actor=request.user,
                report=report,
                accept=accept,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data.get("version"),
            ),
            success=_("Report accepted.") if accept else _("Report returned for changes."),
        )
        return redirect(report)


class AttachmentDownloadView(ScopedObjectMixin, View):
    def get(self, request, pk):
        attachment = self.scoped_get(ReportAttachment, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=CONTENT_TYPES.get(attachment.kind, "application/octet-stream"),
        )


class AttachmentDeleteView(ScopedObjectMixin, View):
    def post(self, request, pk):
        if report_filter(request.user, CHANGE) is None:
            raise PermissionDenied
        attachment = get_object_or_404(
            ReportAttachment.objects.for_user(request.user, CHANGE).select_related("report__task", "report__period"),
            pk=pk,
        )
        report = attachment.report
        call_service(
            request,
            lambda: services.attachment_delete(actor=request.user, attachment=attachment),
            success=_("Attachment deleted."),
        )
        return redirect(reverse("tasks:report_edit", args=[report.task.code, report.period.code]))
