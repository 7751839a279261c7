"""Report pages (request, progress, download) and the list pages/exports of titles and statistics.

Views stay thin: they check the role, read through ``for_user`` and call services/exports.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import audit
from accounts.choices import AuditAction
from core.jobs import JobStatusView, fail_stale
from core.paging import ids_first_page
from core.scoping import VIEW, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin
from enterprises.models import Statistic, Title

from . import list_exports, services
from .choices import ExportKind
from .forms import ReportRequestForm
from .models import ListExportJob, ReportJob
from .selectors import STATISTIC_ORDER, TITLE_ORDER, statistic_list_filterset, title_list_filterset

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportAccessMixin(ScopedObjectMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope_for(request.user).may(VIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def my_jobs(self):
        return ReportJob.objects.for_user(self.request.user, VIEW).filter(requested_by=self.request.user)


class ReportIndexView(ServiceFormMixin, ReportAccessMixin, FormView):
    template_name = "reports/index.html"
    form_class = ReportRequestForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    success_message = ""

    def perform(self, form):
        year, quarter = form.cleaned_data["period"]
        return services.report_job_create(
            actor=self.request.user, year=year, quarter=quarter, county=form.cleaned_data["county"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fail_stale(self.my_jobs())  # a job whose worker died shows as failed
        context["jobs"] = list(self.my_jobs().select_related("county")[:20])
        my_exports = ListExportJob.objects.for_user(self.request.user, VIEW).filter(requested_by=self.request.user)
        fail_stale(my_exports)
        context["exports"] = list(my_exports[:20])
        return context


class ReportDetailView(ReportAccessMixin, TemplateView):
    template_name = "reports/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = get_object_or_404(self.my_jobs().select_related("county"), pk=self.kwargs["pk"])
        context["job"].fail_if_stale()
        return context


class ReportStatusView(ReportAccessMixin, JobStatusView):
    def get_job(self, request, pk):
        return get_object_or_404(self.my_jobs(), pk=pk)

    def status_extra(self, job):
        return {"download_url": reverse("reports:download", args=[job.pk]) if job.is_downloadable else None}


class ReportDownloadView(ReportAccessMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(self.my_jobs().select_related("county"), pk=pk)
        if not job.is_downloadable:
            raise Http404(_("This report file is not available (not ready, failed or expired)."))
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("This report file is not available (not ready, failed or expired)."))
        audit.security_event(
            request.user,
            AuditAction.EXPORT,
            _("Quarterly report %(period)s downloaded (job %(id)s)") % {"period": job.period_code, "id": job.pk},
            instance=job,
        )
        return FileResponse(handle, as_attachment=True, filename=services.report_file_name(job), content_type=XLSX_TYPE)


# --- list exports (jobs: ``reports.list_exports``) -------------------------------------------------


def _list_url(kind: str, query: str) -> str:
    return reverse(list_exports.SPECS[kind].list_url_name) + (f"?{query}" if query else "")


class ListExportRequestView(ScopedObjectMixin, View):
    """``POST`` (the list's export button, the list's query in the URL): record the export job and
    follow its progress; a filter that is not valid goes back to the list with the message.
    ``GET`` (an old link) goes back to the list with the same filters, asking nothing."""

    kind = ""

    def get(self, request):
        return redirect(_list_url(self.kind, request.GET.urlencode()))

    def post(self, request):
        query = request.GET.copy()
        query.pop("page", None)
        try:
            job = list_exports.list_export_create(actor=request.user, kind=self.kind, params=query)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_list_url(self.kind, query.urlencode()))
        return redirect(job)


class EnterpriseExportView(ListExportRequestView):
    kind = ExportKind.ENTERPRISES


class TitleExportView(ListExportRequestView):
    kind = ExportKind.TITLES


class StatisticExportView(ListExportRequestView):
    kind = ExportKind.STATISTICS


class ListExportAccessMixin(ReportAccessMixin):
    """An export job is its requester's alone (another user, even of the same county: 404)."""

    def my_exports(self):
        return ListExportJob.objects.for_user(self.request.user, VIEW).filter(requested_by=self.request.user)


class ListExportDetailView(ListExportAccessMixin, TemplateView):
    template_name = "reports/export_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = get_object_or_404(self.my_exports(), pk=self.kwargs["pk"])
        job.fail_if_stale()
        context.update(job=job, list_url=_list_url(job.kind, job.query_string))
        return context


class ListExportStatusView(ListExportAccessMixin, JobStatusView):
    def get_job(self, request, pk):
        return get_object_or_404(self.my_exports(), pk=pk)

    def status_extra(self, job):
        return {"download_url": reverse("reports:export_download", args=[job.pk]) if job.is_downloadable else None}


class ListExportDownloadView(ListExportAccessMixin, View):
    def get(self, request, pk):
        job = get_object_or_404(self.my_exports(), pk=pk)
        if not job.is_downloadable:
            raise Http404(_("This export file is not available (not ready, failed or expired)."))
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("This export file is not available (not ready, failed or expired)."))
        audit.security_event(
            request.user,
            AuditAction.EXPORT,
            _("%(list)s export downloaded (job %(id)s, %(n)s rows)")
            % {"list": job.get_kind_display(), "id": job.pk, "n": job.row_count},
            instance=job,
        )
        return FileResponse(
            handle, as_attachment=True, filename=list_exports.export_file_name(job), content_type=XLSX_TYPE
        )


class FilteredListView(ScopedObjectMixin, TemplateView):
    model = None
    paginate_by = 50
    order = ()
    group_by: tuple[str, ...] = ()  # leading fields of ``order`` a page is chosen within (core.paging)
    export_url_name = ""

    def make_filterset(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(self.model)  # 403 for roles without business access
        filterset = self.make_filterset()
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        page = ids_first_page(
            qs.order_by(*self.order), self.paginate_by, self.request.GET.get("page"), group_by=self.group_by
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            page_obj=page,
            object_list=page.object_list,
            export_url=reverse(self.export_url_name) + (f"?{query.urlencode()}" if query else ""),
        )
        return context


class TitleListView(FilteredListView):
    template_name = "reports/title_list.html"
    model = Title
    order = TITLE_ORDER
    export_url_name = "reports:export_titles"

    def make_filterset(self):
        return title_list_filterset(self.request.user, self.request.GET, self.request)


class StatisticListView(FilteredListView):
    template_name = "reports/statistic_list.html"
    model = Statistic
    order = STATISTIC_ORDER
    group_by = ("-year", "-quarter")  # the latest quarter first, sorted by county and name
    export_url_name = "reports:export_statistics"

    def make_filterset(self):
        return statistic_list_filterset(self.request.user, self.request.GET, self.request)
