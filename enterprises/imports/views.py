"""Statistics import pages: template download, upload, progress, preview, confirm, history, undo."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from core.jobs import JobStatusView, fail_stale
from core.scoping import CHANGE, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin, call_service

from ..models import ImportState, StatisticImport
from . import services
from .columns import template_header
from .engine import all_kinds, get_kind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind_from(code):
    from django.http import Http404

    try:
        return get_kind(code or "statistics")
    except KeyError:
        raise Http404


class UploadForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(
        label=gettext_lazy("Statistics workbook (.xlsx)"),
        help_text=gettext_lazy("Fill in the template: one row per enterprise and period."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class ConfirmForm(forms.Form):
    skip_error_rows = forms.BooleanField(
        label=gettext_lazy("Skip the rows in error and write the others"),
        required=False,
        help_text=gettext_lazy("The rows in error stay listed in the import record."),
    )


class ImportTemplateView(ScopedObjectMixin, View):
    scoped_action = CHANGE

    def get(self, request):
        if not scope_for(request.user).may(CHANGE):
            raise PermissionDenied
        kind = _kind_from(request.GET.get("kind")).bound({"prefill": request.GET.get("prefill") == "1"})
        response = HttpResponse(kind.build_template(user=request.user), content_type=XLSX)
        name = f"{kind.code}-template-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ImportListView(ScopedObjectMixin, TemplateView):
    template_name = "enterprises/imports/import_list.html"
    paginate_by = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qs = self.scoped_queryset(StatisticImport).with_related().defer("errors", "timings", "preview")
        fail_stale(qs)  # the list shows a job whose worker died as failed
        page = Paginator(qs, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            imports=page.object_list,
            can_upload=scope_for(self.request.user).may(CHANGE),
            other_kinds=[k for k in all_kinds() if k.code != "statistics"],
        )
        return context


class ImportUploadView(ServiceFormMixin, ScopedObjectMixin, FormView):
    template_name = "enterprises/imports/import_upload.html"
    form_class = UploadForm
    scoped_action = CHANGE
    success_message = None  # the import's page shows the check's progress

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope_for(request.user).may(CHANGE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_kind(self):
        return _kind_from(self.request.POST.get("kind") or self.request.GET.get("kind"))

    def get_initial(self):
        return {"kind": self.get_kind().code}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        kind = self.get_kind()
        if kind.code != "statistics":
            form.fields["file"].label = _("%(kind)s workbook (.xlsx)") % {"kind": kind.label}
            form.fields["file"].help_text = _("Fill in the template (or the list as published): one row per record.")
        for name, field in kind.option_fields().items():
            form.fields[name] = field
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from django.conf import settings

        kind = self.get_kind()
        context.update(
            kind=kind,
            columns=[(template_header(c), c.required) for c in kind.columns],
            max_mb=settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024),
        )
        return context

    def perform(self, form):
        kind = self.get_kind()
        return services.statistic_import_create(
            actor=self.request.user,
            uploaded_file=form.cleaned_data["file"],
            kind=kind.code,
            options=kind.options_from(form.cleaned_data),
        )

    def service_error_unnamed(self, error):
        return "file"  # the service refused the file itself (size, type)


class ImportDetailView(ScopedObjectMixin, TemplateView):
    template_name = "enterprises/imports/import_detail.html"
    errors_per_page = 200
    preview_per_page = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statistic_import = self.scoped_get(StatisticImport, pk=self.kwargs["pk"])
        statistic_import.fail_if_stale()
        scope = scope_for(self.request.user)
        errors = Paginator(statistic_import.errors or [], self.errors_per_page).get_page(self.request.GET.get("page"))
        context.update(
            imp=statistic_import,
            errors_page=errors,
            confirm_form=ConfirmForm(),
            may_change=scope.allows(CHANGE, statistic_import.county_id),
            may_undo=(
                statistic_import.state == ImportState.COMMITTED
                and statistic_import.is_finished
                and services.may_undo(self.request.user, statistic_import)
            ),
            has_match=any(p.get("method") for p in (statistic_import.preview or [])[:1]),
            preview_page=Paginator(statistic_import.preview or [], self.preview_per_page).get_page(
                self.request.GET.get("preview")
            ),
            states=ImportState,
        )
        return context


class ImportStatusView(ScopedObjectMixin, JobStatusView):
    """Polled by the progress bar (JSON)."""

    def get_job(self, request, pk):
        return self.scoped_get(StatisticImport, pk=pk)

    def status_extra(self, job):
        return {"state": job.state, "url": job.get_absolute_url()}


class ImportConfirmView(ScopedObjectMixin, View):
    def post(self, request, pk):
        statistic_import = self.scoped_get(StatisticImport, CHANGE, pk=pk)
        form = ConfirmForm(request.POST)
        form.is_valid()
        call_service(
            request,
            lambda: services.statistic_import_confirm(
                actor=request.user,
                statistic_import=statistic_import,
                skip_error_rows=form.cleaned_data.get("skip_error_rows", False),
            ),
            success=None,  # the page shows the commit's progress
        )
        return redirect(statistic_import.get_absolute_url())


class ImportUndoView(ScopedObjectMixin, View):
    def post(self, request, pk):
        statistic_import = self.scoped_get(StatisticImport, CHANGE, pk=pk)
        if not services.may_undo(request.user, statistic_import):
            raise PermissionDenied
        if call_service(
            request,
            lambda: services.statistic_import_undo_request(actor=request.user, statistic_import=statistic_import),
            success=None,
        ):
            messages.info(request, _("The undo has started; this page shows when it is done."))
        return redirect(statistic_import.get_absolute_url())
