"""Pages of the policy library: list (expired ones as history), detail with the match counts per
county, entry and conditions (city operator, the issuing department's users), match lists and the
drill-down to the figures; the panel of the enterprise page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.counting import CountCachingPaginator
from core.scoping import CHANGE, VIEW, scope_for
from core.views import ScopedObjectMixin, call_service, form_service, query_value
from enterprises.models import Enterprise

from . import selectors, services
from .choices import MatchStatus
from .filtersets import PolicyFilterSet
from .forms import STEP_FORMS, ConditionForm, GrantForm, PolicyForm
from .models import (
    Policy,
    PolicyAttachment,
    PolicyCondition,
    PolicyMatchSummary,
    PolicyPush,
    SupportGrant,
    is_commissioner_of,
    is_department_user,
    may_write_policies,
)


def _can_write(user, policy: Policy | None = None) -> bool:
    scope = scope_for(user)
    if not may_write_policies(scope):
        return False
    return policy is None or scope.city_wide_write or policy.issuing_department_id == scope.department_id


class PolicyListView(ScopedObjectMixin, TemplateView):
    template_name = "policies/policy_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = self.scoped_queryset(Policy).select_related(
            "support_type", "issuing_department", "implementing_department"
        )
        filterset = PolicyFilterSet(self.request.GET or None, queryset=queryset)
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        page = CountCachingPaginator(rows.order_by("-valid_from", "-id"), 50).get_page(self.request.GET.get("page"))
        county_id = scope_for(self.request.user).county_id  # a county official: her county's counts
        summaries = {
            s.policy_id: (s, s.for_counties(county_id))
            for s in PolicyMatchSummary.objects.filter(policy__in=[p.pk for p in page.object_list])
        }
        context.update(
            filter=filterset,
            page_obj=page,
            rows=[(p, *summaries.get(p.pk, (None, None))) for p in page.object_list],
            today=timezone.localdate(),
            can_create=_can_write(self.request.user),
        )
        return context


class PolicyMixin(ScopedObjectMixin):
    kwargs: dict  # set by the view class this mixin is combined with

    def get_policy(self, action: str = VIEW) -> Policy:
        """The policy through ``Policy.objects.for_user`` (department users write without a
        county write scope, so not through ``scoped_get``'s role check): 404 when not theirs."""
        if action == VIEW:
            return self.scoped_get(Policy, VIEW, pk=self.kwargs["pk"])
        return get_object_or_404(Policy.objects.for_user(self.request.user, action), pk=self.kwargs["pk"])


class PolicyDetailView(PolicyMixin, TemplateView):
    template_name = "policies/policy_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.get_policy()
        today = timezone.localdate()
        context.update(
            policy=policy,
            conditions=selectors.conditions_of(policy),
            attachments=list(policy.attachments.select_related("uploaded_by")),
            funnel=selectors.policy_funnel(self.request.user, policy, today),
            statuses=MatchStatus.choices,
            today=today,
            can_edit=_can_write(self.request.user, policy),
        )
        return context


class PolicyEditView(ScopedObjectMixin, TemplateView):
    """``new/`` and ``<pk>/edit/``: the city operator, or a user of the issuing department."""

    template_name = "policies/policy_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not may_write_policies(scope_for(request.user)):
                raise PermissionDenied
            self.policy = (
                get_object_or_404(Policy.objects.for_user(request.user, CHANGE), pk=kwargs["pk"])
                if "pk" in kwargs
                else Policy()
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or PolicyForm(instance=self.policy, user=self.request.user)
        context.update(policy=self.policy, form=form, wide_fields=["title", "amount_rule", "attachment_note", "tasks"])
        return context

    def post(self, request, *args, **kwargs):
        form = PolicyForm(request.POST, instance=self.policy, user=request.user)
        if form.is_valid():
            ran, policy = form_service(
                request,
                form,
                lambda: services.save_policy(
                    actor=request.user,
                    policy=form.save(commit=False),
                    tasks=form.cleaned_data["tasks"],
                    expected_version=form.cleaned_data.get("version"),
                ),
                success=_("Saved."),
            )
            if ran:
                return redirect(policy)
        return self.render_to_response(self.get_context_data(form=form))


class ConditionCreateView(PolicyMixin, TemplateView):
    template_name = "policies/condition_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not may_write_policies(scope_for(request.user)):
                raise PermissionDenied
            self.policy = self.get_policy(CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(policy=self.policy, form=kwargs.get("form") or ConditionForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ConditionForm(request.POST, instance=PolicyCondition(policy=self.policy))
        if form.is_valid():
            ran, _condition = form_service(
                request,
                form,
                lambda: services.save_condition(actor=request.user, condition=form.save(commit=False)),
                success=_("Condition added."),
            )
            if ran:
                return redirect(self.policy)
        return self.render_to_response(self.get_context_data(form=form))


class ConditionDeleteView(PolicyMixin, View):
    def post(self, request, *args, **kwargs):
        if not may_write_policies(scope_for(request.user)):
            raise PermissionDenied
        policy = self.get_policy(CHANGE)
        condition = policy.conditions.filter(pk=kwargs["condition_pk"]).first()
        if condition is None:
            raise Http404
        call_service(
            request,
            lambda: services.delete_condition(actor=request.user, condition=condition),
            success=_("Condition removed."),
        )
        return redirect(policy)


class AttachmentWriteMixin(PolicyMixin):
    request: Any

    def _writable_policy(self) -> Policy:
        """Every reader sees the policy, so a reader who may not change it gets 403 (not 404)."""
        policy = self.get_policy()
        if not _can_write(self.request.user, policy):
            raise PermissionDenied
        return policy


class AttachmentUploadView(AttachmentWriteMixin, View):
    """POST a file to a policy (``services.add_attachment``): the city operator or a user of the
    issuing department; errors (type, size, content) come back as a message naming the field."""

    def post(self, request, *args, **kwargs):
        policy = self._writable_policy()
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Attachment file: choose a file to upload."))
            return redirect(policy)
        call_service(
            request,
            lambda: services.add_attachment(actor=request.user, policy=policy, upload=upload),
            success=lambda a: _("Attached: %(name)s.") % {"name": a.original_name},
            failure=lambda reason: _("Attachment file: %(reason)s") % {"reason": reason},
        )
        return redirect(policy)


class AttachmentDownloadView(PolicyMixin, View):
    """The only way to a policy's file: every business reader reads every policy and its files."""

    def get(self, request, *args, **kwargs):
        policy = self.get_policy()
        attachment = get_object_or_404(PolicyAttachment, policy=policy, pk=kwargs["attachment_pk"])
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404
        return FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )


class AttachmentDeleteView(AttachmentWriteMixin, View):
    def post(self, request, *args, **kwargs):
        policy = self._writable_policy()
        attachment = get_object_or_404(PolicyAttachment, policy=policy, pk=kwargs["attachment_pk"])
        call_service(
            request,
            lambda: services.delete_attachment(actor=request.user, attachment=attachment),
            success=_("Attachment deleted."),
        )
        return redirect(policy)


class PolicyMatchesView(PolicyMixin, TemplateView):
    template_name = "policies/policy_matches.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.get_policy()
        status = self.request.GET.get("status")
        if status not in MatchStatus.values:
            status = MatchStatus.MET.value
        rows = selectors.policy_matches(self.request.user, policy, timezone.localdate(), status)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        counties = {}
        if page.object_list:
            ids = [r[0] for r in page.object_list]
            counties = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "county__name"))
        context.update(
            policy=policy,
            status=status,
            statuses=MatchStatus.choices,
            page_obj=page,
            rows=[(r[0], r[1], counties.get(r[0], "")) for r in page.object_list],
        )
        return context


class MatchDetailView(PolicyMixin, TemplateView):
    """One enterprise against one policy: each condition met / missed / unknown, with its figure."""

    template_name = "policies/match_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.get_policy()
        enterprise = self.scoped_get(Enterprise, pk=self.kwargs["enterprise_pk"])
        today = timezone.localdate()
        context.update(
            policy=policy,
            enterprise=enterprise,
            result=selectors.enterprise_result(policy, enterprise, today),
            today=today,
        )
        return context


def enterprise_policies_panel(request, enterprise) -> dict:
    """Context of the panel on the enterprise page: the policies in force it meets (or nearly)."""
    return {
        "results": selectors.policies_met_by(request.user, enterprise, timezone.localdate()),
        "grants": list(
            SupportGrant.objects.for_user(request.user)
            .filter(enterprise=enterprise)
            .select_related("policy", "department", "support_type")
            .order_by("-granted_on", "-id")
        ),
        "pushes": list(
            PolicyPush.objects.for_user(request.user)
            .filter(enterprise=enterprise)
            .select_related("policy")
            .order_by("-pushed_on")
        ),
    }


# --------------------------------------------------------------------------------------------------
# Precise push: the push button, the to-do list, one to-do with its steps
# --------------------------------------------------------------------------------------------------


class PushView(PolicyMixin, View):
    def post(self, request, *args, **kwargs):
        if not may_write_policies(scope_for(request.user)):
            raise PermissionDenied
        policy = self.get_policy(CHANGE)
        call_service(
            request,
            lambda: services.push_policy(actor=request.user, policy=policy),
            success=lambda n: _("%(n)s to-do(s) created for the enterprises that meet the policy.") % {"n": n},
        )
        return redirect(policy)


class PushListView(ScopedObjectMixin, TemplateView):
    template_name = "policies/push_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pushes = self.scoped_queryset(PolicyPush).select_related("policy", "enterprise__county", "assignee")
        policy_id = query_value(self.request, "policy")
        policy = None
        if policy_id and policy_id.isdigit():
            policy = Policy.objects.filter(pk=int(policy_id)).first()
            pushes = pushes.filter(policy_id=int(policy_id))
        if query_value(self.request, "mine") == "1":
            pushes = pushes.filter(assignee=self.request.user)
        page = Paginator(pushes.order_by("-pushed_on", "enterprise__name", "pk"), 50).get_page(
            self.request.GET.get("page")
        )
        context.update(page_obj=page, policy=policy)
        return context


class PushDetailView(ScopedObjectMixin, TemplateView):
    """One to-do: its steps so far and the form of the next step the user may record."""

    template_name = "policies/push_detail.html"

    def get_push(self) -> PolicyPush:
        return self.scoped_get(PolicyPush, pk=self.kwargs["pk"])

    def allowed_steps(self, push: PolicyPush) -> list[str]:
        scope = scope_for(self.request.user)
        steps = []
        county_writer = scope.allows(CHANGE, push.enterprise.county_id) and not is_department_user(scope)
        if county_writer or is_commissioner_of(self.request.user, push.enterprise_id):
            steps.append("notified")
            if not push.policy.no_application:
                steps.append("applied")
        if scope.city_wide_write or (is_department_user(scope) and scope.department_id == push.policy.implementer.pk):
            steps.append("granted")
        return steps

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        push = kwargs.get("push") or self.get_push()
        forms = kwargs.get("forms") or {}
        steps = self.allowed_steps(push)
        initial = {
            "notified": {"notified_on": push.notified_on, "channel": push.channel, "intention": push.intention},
            "applied": {"applied_on": push.applied_on, "intention": push.intention},
            "granted": {"granted_on": push.granted_on, "granted_amount": push.granted_amount},
        }
        context.update(
            push=push,
            step_forms=[(s, forms.get(s) or STEP_FORMS[s](initial=initial[s], prefix=s)) for s in steps],
        )
        return context

    def post(self, request, *args, **kwargs):
        push = self.get_push()
        step = request.POST.get("step", "")
        if step not in self.allowed_steps(push):
            raise PermissionDenied
        form = STEP_FORMS[step](request.POST, prefix=step)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if not (k == "intention" and v == "")}
            ran, _push = form_service(
                request,
                form,
                lambda: services.record_step(
                    actor=request.user,
                    push=push,
                    step=step,
                    values=values,
                    expected_version=_int(request.POST.get("version")),
                ),
                success=_("Saved."),
            )
            if ran:
                return redirect(push)
            push.refresh_from_db()
        return self.render_to_response(self.get_context_data(push=push, forms={step: form}))


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# --------------------------------------------------------------------------------------------------
# Support ledger
# --------------------------------------------------------------------------------------------------


class LedgerView(ScopedObjectMixin, TemplateView):
    template_name = "policies/ledger.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grants = self.scoped_queryset(SupportGrant).select_related(
            "enterprise__county", "policy", "department", "support_type"
        )
        page = Paginator(grants.order_by("-granted_on", "-id"), 50).get_page(self.request.GET.get("page"))
        scope = scope_for(self.request.user)
        context.update(
            page_obj=page,
            can_create=scope.city_wide_write or is_department_user(scope),
            can_import=scope.city_wide_write,  # the disbursement list import kind is city_only
        )
        return context


class GrantCreateView(ScopedObjectMixin, TemplateView):
    """The granting unit's users (and the city operator) enter a support by form."""

    template_name = "policies/grant_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            scope = scope_for(request.user)
            if not (scope.city_wide_write or is_department_user(scope)):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=kwargs.get("form") or GrantForm(user=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        form = GrantForm(request.POST, user=request.user)
        if form.is_valid():
            grant = form.save(commit=False)
            ran, _grant = form_service(
                request, form, lambda: services.save_grant(actor=request.user, grant=grant), success=_("Saved.")
            )
            if ran:
                return redirect("policies:ledger")
        return self.render_to_response(self.get_context_data(form=form))


class IndicatorView(ScopedObjectMixin, TemplateView):
    """The ledger's indicators for a year, over what the user reads."""

    template_name = "policies/indicators.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not scope_for(self.request.user).read:
            raise PermissionDenied
        today = timezone.localdate()
        raw = query_value(self.request, "year") or ""
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year
        as_of = min(today, dt.date(year, 12, 31))
        context.update(
            year=year,
            as_of=as_of,
            values=selectors.indicators(self.request.user, year, as_of),
            years=range(2024, today.year + 1),
        )
        return context
