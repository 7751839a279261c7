"""Report pages (request, progress, download) and the list pages/exports of titles and statistics.

Views stay thin: they check the role, read through ``for_user`` and call services/exports.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import audit
from accounts.choices import AuditAction
from core.jobs import JobStatusView, fail_stale
from core.scoping import VIEW, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin
from enterprises.filtersets import StatisticFilterSet, TitleFilterSet
from enterprises.models import Enterprise, Statistic, Title
from enterprises.views import enterprise_list_queryset

from . import exports, services, xlsx
from .forms import ReportRequestForm
from .models import ReportJob

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


# --- list exports ---------------------------------------------------------------------------------


class ListExportView(ScopedObjectMixin, View):
    """Exports what a list page shows: the same filterset, the same scope, the same order."""

    model = None
    list_url_name = ""
    file_stem = ""

    def filterset(self):
        raise NotImplementedError

    def ordered(self, qs):
        return qs

    def export(self, **kwargs) -> int:
        raise NotImplementedError

    def get(self, request):
        self.scoped_queryset(self.model)  # 403 for roles without business access
        filterset = self.filterset()
        if not filterset.is_valid():
            errors = "；".join(
                f"{filterset.form.fields[f].label if f in filterset.form.fields else f}：{' '.join(e)}"
                for f, e in filterset.errors.items()
            )
            messages.error(
                request, _("The export was not made, the filters are not valid: %(errors)s") % {"errors": errors}
            )
            return redirect(reverse(self.list_url_name) + ("?" + request.GET.urlencode() if request.GET else ""))
        output = tempfile.TemporaryFile()
        self.export(
            user=request.user,
            queryset=self.ordered(filterset.qs),
            filters=xlsx.filters_description(filterset.form),
            output=output,
        )
        output.seek(0)
        return FileResponse(output, as_attachment=True, filename=f"{self.file_stem}.xlsx", content_type=XLSX_TYPE)


class EnterpriseExportView(ListExportView):
    model = Enterprise
    list_url_name = "enterprises:list"

    @property
    def file_stem(self):
        return _("enterprises")

    def filterset(self):
        return enterprise_list_queryset(self.request.user, self.request.GET, self.request)

    def ordered(self, qs):
        if not self.request.GET.get("ordering"):  # the list page's default order
            qs = qs.order_by("county__sort_order", "name")
        return qs

    def export(self, **kwargs):
        return exports.export_enterprises(**kwargs)


def title_list_filterset(user, params, request=None) -> TitleFilterSet:
    base = Title.objects.for_user(user, VIEW).select_related("enterprise__county", "tier")
    return TitleFilterSet(params, queryset=base, request=request)


def statistic_list_filterset(user, params, request=None) -> StatisticFilterSet:
    base = Statistic.objects.for_user(user, VIEW).select_related("enterprise__county")
    return StatisticFilterSet(params, queryset=base, request=request)


TITLE_ORDER = ("-recognised_on", "-tier__rank", "enterprise__name", "id")
STATISTIC_ORDER = ("-year", "-quarter", "enterprise__county__sort_order", "enterprise__name", "id")


class TitleExportView(ListExportView):
    model = Title
    list_url_name = "reports:titles"

    @property
    def file_stem(self):
        return _("titles")

    def filterset(self):
        return title_list_filterset(self.request.user, self.request.GET, self.request)

    def ordered(self, qs):
        return qs.order_by(*TITLE_ORDER)

    def export(self, **kwargs):
        return exports.export_titles(**kwargs)


class StatisticExportView(ListExportView):
    model = Statistic
    list_url_name = "reports:statistics"

    @property
    def file_stem(self):
        return _("statistics")

    def filterset(self):
        return statistic_list_filterset(self.request.user, self.request.GET, self.request)

    def ordered(self, qs):
        return qs.order_by(*STATISTIC_ORDER)

    def export(self, **kwargs):
        return exports.export_statistics(**kwargs)


class FilteredListView(ScopedObjectMixin, TemplateView):
    model = None
    paginate_by = 50
    order = ()
    export_url_name = ""

    def make_filterset(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(self.model)  # 403 for roles without business access
        filterset = self.make_filterset()
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        page = Paginator(qs.order_by(*self.order), self.paginate_by).get_page(self.request.GET.get("page"))
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
    export_url_name = "reports:export_statistics"

    def make_filterset(self):
        return statistic_list_filterset(self.request.user, self.request.GET, self.request)
