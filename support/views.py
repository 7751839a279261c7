"""Pages of the support app: requests (list, detail with its steps), my enterprises, the visit form,
the figures dashboard, commissioner assignment (one enterprise, or the enterprise list's filtered
rows). Thin: reads via ``selectors`` and ``for_user``, writes via ``services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.models import User
from core.counting import CountCachingPaginator
from core.scoping import CHANGE, VIEW, scope_for
from core.views import ScopedObjectMixin, call_service, form_service, query_value
from enterprises.models import Enterprise
from enterprises.views import enterprise_list_queryset

from . import selectors, services
from .choices import RequestAction, RequestStatus
from .filtersets import RequestFilterSet
from .forms import AssignForm, RaisedRequestFormSet, StepForm, VisitForm
from .models import EnterpriseRequest, RequestAttachment, RequestNotice, Visit, request_filter

# Which steps the handling department (or the city) takes, and which the recorder side takes.
HANDLER_STEPS = {
    RequestStatus.PENDING: [RequestAction.ACCEPT, RequestAction.TRANSFER, RequestAction.RETURN, RequestAction.SUSPEND],
    RequestStatus.IN_PROGRESS: [
        RequestAction.REPLY,
        RequestAction.TRANSFER,
        RequestAction.RETURN,
        RequestAction.SUSPEND,
    ],
    RequestStatus.REPLIED: [RequestAction.CLOSE, RequestAction.SUSPEND],
    RequestStatus.SUSPENDED: [RequestAction.RESUME],
}
RECORDER_STEPS = {RequestStatus.RETURNED: [RequestAction.RESUBMIT], RequestStatus.CLOSED: [RequestAction.RATE]}
NEEDS_TEXT = {
    RequestAction.REPLY,
    RequestAction.TRANSFER,
    RequestAction.RETURN,
    RequestAction.SUSPEND,
    RequestAction.RESUBMIT,
}


def _may_record(user: Any) -> bool:
    return getattr(user, "role", None) in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL, Role.DEPARTMENT_USER)


class RequestListView(ScopedObjectMixin, TemplateView):
    template_name = "support/request_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        base = self.scoped_queryset(EnterpriseRequest).select_related("enterprise", "category", "department", "county")
        filterset = RequestFilterSet(self.request.GET, queryset=base, request=self.request)
        qs = filterset.qs if filterset.is_valid() else base.none()
        page = CountCachingPaginator(qs.order_by("-received_on", "-id"), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        notices = RequestNotice.objects.for_user(user).select_related("request__enterprise", "department")
        if getattr(user, "role", None) == Role.DEPARTMENT_USER:
            notices = notices.filter(department_id=scope_for(user).department_id)
        elif getattr(user, "role", None) == Role.CITY_OPERATOR:
            notices = notices.filter(escalated_to_city=True)
        context.update(
            filter=filterset,
            page_obj=page,
            requests=page.object_list,
            notices=list(notices.filter(request__status__in=list(HANDLER_STEPS))[:20]),
            today=timezone.localdate(),
        )
        return context


class RequestDetailView(ScopedObjectMixin, TemplateView):
    template_name = "support/request_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        request = self.scoped_get(EnterpriseRequest, pk=self.kwargs["pk"])
        may_change = (
            request_filter(user, CHANGE) is not None
            and EnterpriseRequest.objects.for_user(user, CHANGE).filter(pk=request.pk).exists()
        )
        role = getattr(user, "role", None)
        handler = role == Role.CITY_OPERATOR or (
            role == Role.DEPARTMENT_USER and scope_for(user).department_id == request.department_id
        )
        steps: list[str] = []
        if may_change and handler:
            steps += HANDLER_STEPS.get(request.status, [])
        if may_change and role != Role.VIEWER:
            recorder = [
                s
                for s in RECORDER_STEPS.get(request.status, [])
                if role in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL) or services.serves(user, request.enterprise)
            ]
            if request.status == RequestStatus.CLOSED and request.satisfaction and request.reopen_count:
                recorder = []
            steps += recorder
        context.update(
            req=request,
            attachments=list(request.attachments.select_related("uploaded_by")),
            may_attach=may_change and role != Role.VIEWER and request.status != RequestStatus.CLOSED,
            events=list(request.events.select_related("actor", "department")),
            steps=[(s, RequestAction(s).label, s in NEEDS_TEXT) for s in steps],
            form=StepForm(initial={"version": request.version}),
            today=timezone.localdate(),
        )
        return context


class RequestStepView(ScopedObjectMixin, View):
    """POST one step of a request; errors come back as messages on the detail page."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        req = self.scoped_get(EnterpriseRequest, pk=pk)
        form = StepForm(request.POST)
        url = reverse("support:request_detail", args=[req.pk])
        if not form.is_valid():
            messages.error(request, _("The step could not be read. Reload the page and try again."))
            return redirect(url)
        data = form.cleaned_data
        action = data["action"]
        actor = request.user
        common: dict[str, Any] = {"actor": actor, "request": req, "expected_version": data.get("version")}
        text = data.get("text") or ""
        calls = {
            RequestAction.ACCEPT: lambda: services.accept_request(**common),
            RequestAction.REPLY: lambda: services.reply_request(**common, text=text),
            RequestAction.CLOSE: lambda: services.close_request(**common, text=text),
            RequestAction.SUSPEND: lambda: services.suspend_request(**common, text=text),
            RequestAction.RESUME: lambda: services.resume_request(**common, text=text),
            RequestAction.RETURN: lambda: services.return_request(**common, text=text),
            RequestAction.RESUBMIT: lambda: services.resubmit_request(**common, text=text),
            RequestAction.RATE: lambda: services.rate_request(
                **common, satisfaction=data.get("satisfaction") or "", text=text
            ),
        }
        if action == RequestAction.TRANSFER:
            if data.get("department") is None:
                messages.error(request, _("Choose the department to transfer the request to."))
                return redirect(url)
            calls[RequestAction.TRANSFER] = lambda: services.transfer_request(
                **common, department=data["department"], text=text
            )
        if action not in calls:
            raise PermissionDenied
        call_service(request, calls[action], success=_("Saved: %(step)s.") % {"step": RequestAction(action).label})
        return redirect(url)


class RequestAttachmentUploadView(ScopedObjectMixin, View):
    """POST a file to a request (``services.attachment_add``); errors come back as messages."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        req = self.scoped_get(EnterpriseRequest, pk=pk)
        if not EnterpriseRequest.objects.for_user(request.user, CHANGE).filter(pk=req.pk).exists():
            raise PermissionDenied
        url = reverse("support:request_detail", args=[req.pk])
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to attach."))
            return redirect(url)
        call_service(
            request,
            lambda: services.attachment_add(actor=request.user, request=req, upload=upload),
            success=lambda a: _("Attached: %(name)s.") % {"name": a.original_name},
        )
        return redirect(url)


class RequestAttachmentDownloadView(ScopedObjectMixin, View):
    """The only way to a request's file: whoever reads the request reads its attachments."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        from tasks.attachments import CONTENT_TYPES

        attachment = self.scoped_get(RequestAttachment, pk=pk)
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


class MyEnterprisesView(ScopedObjectMixin, TemplateView):
    template_name = "support/my_enterprises.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)
        context.update(enterprises=list(selectors.my_enterprises(self.request.user)), today=timezone.localdate())
        return context


class VisitCreateView(ScopedObjectMixin, TemplateView):
    template_name = "support/visit_form.html"

    def get_enterprise(self) -> Enterprise:
        enterprise = self.scoped_get(Enterprise, pk=self.kwargs["pk"])
        user = self.request.user
        if not _may_record(user) or (
            getattr(user, "role", None) == Role.DEPARTMENT_USER and not services.serves(user, enterprise)
        ):
            raise PermissionDenied
        return enterprise

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("enterprise", self.get_enterprise())
        context.setdefault("form", VisitForm(initial={"visited_on": timezone.localdate()}))
        context.setdefault("formset", RaisedRequestFormSet(prefix="req"))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        enterprise = self.get_enterprise()
        form = VisitForm(request.POST, instance=Visit(enterprise=enterprise, visited_by=cast(User, request.user)))
        formset = RaisedRequestFormSet(request.POST, prefix="req")
        if form.is_valid() and formset.is_valid():
            raised = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("description")]
            ran, _visit = form_service(
                request,
                form,
                lambda: services.record_visit(actor=request.user, visit=form.instance, requests=raised),
                success=_("Visit recorded; %(count)s request(s) raised.") % {"count": len(raised)},
            )
            if ran:
                return redirect("enterprises:detail", enterprise.pk)
        return self.render_to_response(self.get_context_data(enterprise=enterprise, form=form, formset=formset))


class FiguresView(ScopedObjectMixin, TemplateView):
    template_name = "support/figures.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        requests = self.scoped_queryset(EnterpriseRequest)
        by = query_value(self.request, "by") or "department"
        if by not in selectors.GROUPS:
            by = "department"
        today = timezone.localdate()
        total, rows = selectors.figures_with_total(requests, by=by, today=today)
        context.update(
            total=total,
            rows=rows,
            by=by,
            groupings=[("department", _("By department")), ("county", _("By county")), ("month", _("By month"))],
            today=today,
        )
        return context


class CoverageView(ScopedObjectMixin, TemplateView):
    """Commissioner and visit coverage per county (a page of its own: it reads every enterprise's
    current tier, the request figures do not)."""

    template_name = "support/coverage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)
        today = timezone.localdate()
        coverage_total, coverage_rows = selectors.coverage(self.request.user, today=today)
        can_import = getattr(self.request.user, "role", None) in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL)
        context.update(
            coverage_total=coverage_total,
            coverage_rows=coverage_rows,
            today=today,
            can_import=can_import and scope_for(self.request.user).may(CHANGE),
        )
        return context


class AssignView(ScopedObjectMixin, TemplateView):
    """Assign one enterprise's commissioner (county official in the county, city operator anywhere)."""

    template_name = "support/assign.html"

    def get_enterprise(self) -> Enterprise:
        if getattr(self.request.user, "role", None) not in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL):
            raise PermissionDenied
        return self.scoped_get(Enterprise, CHANGE, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        enterprise = context.setdefault("enterprise", self.get_enterprise())
        context.setdefault("form", AssignForm(county_id=enterprise.county_id))
        context["history"] = list(
            enterprise.commissioner_assignments.select_related("commissioner", "assigned_by").order_by(
                "-starts_on", "-id"
            )
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        enterprise = self.get_enterprise()
        form = AssignForm(request.POST, county_id=enterprise.county_id)
        if form.is_valid():
            ran, _assignment = form_service(
                request,
                form,
                lambda: services.assign_commissioner(
                    actor=request.user,
                    enterprise=enterprise,
                    commissioner=form.cleaned_data["commissioner"],
                    starts_on=form.cleaned_data.get("starts_on"),
                ),
                success=_("Service commissioner assigned."),
            )
            if ran:
                return redirect("enterprises:detail", enterprise.pk)
        return self.render_to_response(self.get_context_data(enterprise=enterprise, form=form))


class BulkAssignView(ScopedObjectMixin, TemplateView):
    """Assign one commissioner to every enterprise the enterprise list's filters select (the query
    string is the list's), all or nothing."""

    template_name = "support/bulk_assign.html"
    max_rows = 500

    def selected(self) -> Any:
        if getattr(self.request.user, "role", None) not in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL):
            raise PermissionDenied
        filterset = enterprise_list_queryset(self.request.user, self.request.GET, self.request)
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        return filterset, qs.filter(pk__in=Enterprise.objects.for_user(self.request.user, CHANGE).values("pk"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset, qs = self.selected()
        county_id = scope_for(self.request.user).county_id
        context.setdefault("form", AssignForm(county_id=county_id))
        context.update(
            filter=filterset,
            count=qs.count(),
            sample=list(qs.order_by("name")[:20]),
            max_rows=self.max_rows,
            query=self.request.GET.urlencode(),
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        _filterset, qs = self.selected()
        form = AssignForm(request.POST, county_id=scope_for(request.user).county_id)
        if form.is_valid():
            enterprises = list(qs.order_by("pk")[: self.max_rows + 1])
            if len(enterprises) > self.max_rows:
                form.add_error(None, _("Narrow the filters: at most %(n)s enterprises at once.") % {"n": self.max_rows})
            elif not enterprises:
                form.add_error(None, _("The filters select no enterprise."))
            else:
                ran, changed = form_service(
                    request,
                    form,
                    lambda: services.assign_commissioner_bulk(
                        actor=request.user,
                        enterprises=enterprises,
                        commissioner=form.cleaned_data["commissioner"],
                        starts_on=form.cleaned_data.get("starts_on"),
                    ),
                )
                if ran:
                    messages.success(
                        request, _("Service commissioner assigned to %(count)s enterprise(s).") % {"count": changed}
                    )
                    return redirect(reverse("enterprises:list") + "?" + request.GET.urlencode())
        return self.render_to_response(self.get_context_data(form=form))


def enterprise_panel(user: Any, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise detail page's panel: commissioner, recent visits and requests (scoped)."""
    current = selectors.current_commissioners([enterprise.pk]).get(enterprise.pk)
    role = getattr(user, "role", None)
    return {
        "enterprise": enterprise,
        "commissioner": current,
        "visits": list(
            Visit.objects.for_user(user, VIEW).filter(enterprise=enterprise).select_related("visited_by")[:5]
        ),
        "requests": list(
            EnterpriseRequest.objects.for_user(user, VIEW)
            .filter(enterprise=enterprise)
            .select_related("category", "department")[:10]
        ),
        "may_assign": role in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL)
        and scope_for(user).allows(CHANGE, enterprise.county_id),
        "may_visit": _may_record(user)
        and (role != Role.DEPARTMENT_USER or current == user)
        and scope_for(user).allows(VIEW, enterprise.county_id),
    }
