"""Shared view helpers: scoped object lookup, service errors on forms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from .scoping import VIEW, scope_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def query_value(request: HttpRequest, name: str, data: Mapping[str, Any] | None = None) -> str | None:
    """A parameter a page reads itself (not through a FilterSet), or None when it is absent or
    holds a NUL character (which no query may carry): the page then shows its default and says why."""
    value = (request.GET if data is None else data).get(name)
    if value is not None and "\x00" in value:
        messages.error(
            request, _("The parameter “%(name)s” was ignored: null characters are not allowed.") % {"name": name}
        )
        return None
    return value


def apply_service_errors(
    form: forms.BaseForm,
    error: ValidationError,
    field_for: Callable[[str], str] | None = None,
    *,
    unnamed: str | None = None,
) -> None:
    """Put a service's ValidationError on the form, at the field where it belongs (``field_for``
    maps a service's field name to the form's; unknown fields become non-field errors). Messages
    that name no field go to the field ``unnamed`` (e.g. the upload a service refused), else they
    are non-field errors, like a stale edit (``core.services.StaleEditError``)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = field_for(field) if field_for is not None else field
            target = name if name in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        for message in error.messages:
            form.add_error(unnamed if unnamed in form.fields else None, message)


def form_service(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[], Any],
    *,
    success: StrOrPromise | None = None,
    field_for: Callable[[str], str] | None = None,
    unnamed: str | Callable[[ValidationError], str | None] | None = None,
) -> tuple[bool, Any]:
    """The POST half of a form page: ``call()`` the service with the form's valid data. Its
    ``ValidationError`` lands on the form (``apply_service_errors``; ``unnamed`` may be a function
    of the error) and ``(False, None)`` says to show the form again; else ``success`` (if any)
    becomes a message and ``(True, result)``."""
    try:
        result = call()
    except ValidationError as error:
        apply_service_errors(form, error, field_for, unnamed=unnamed(error) if callable(unnamed) else unnamed)
        return False, None
    if success:
        messages.success(request, success)
    return True, result


class ScopedObjectMixin(LoginRequiredMixin):
    """Fetch objects only through ``Model.objects.for_user(user, action)``: outside the user's
    county the answer is 404; a role without the action at all gets 403."""

    scoped_action = VIEW
    request: HttpRequest  # set by the view class this mixin is combined with

    def scoped_queryset(self, model: Any, action: str | None = None) -> Any:
        """The model's own ``ScopedQuerySet`` (subclass), restricted to the user."""
        action = action or self.scoped_action
        if not scope_for(self.request.user).may(action):
            raise PermissionDenied
        return model.objects.for_user(self.request.user, action)

    def scoped_get(self, model: Any, action: str | None = None, **lookup: Any) -> Any:
        return get_object_or_404(self.scoped_queryset(model, action), **lookup)


class ServiceFormMixin:
    """A form whose valid data goes to a service: ``perform(form)`` calls it; a ``ValidationError``
    lands on the form (``apply_service_errors``) and the form is shown again; on success the
    ``success_message`` is shown and the response is ``service_succeeded(form, result)`` (by
    default a redirect to ``service_success_url(result)``, the result's own URL)."""

    success_message: StrOrPromise | None = _("Saved.")
    request: HttpRequest  # set by the view class this mixin is combined with

    if TYPE_CHECKING:  # FormMixin's, which this mixin is combined with

        def form_invalid(self, form: Any) -> HttpResponse: ...

    def perform(self, form: Any) -> Any:
        raise NotImplementedError

    def service_error_field(self, field: str) -> str:
        return field

    def service_error_unnamed(self, error: ValidationError) -> str | None:
        """The form field that shows a service error naming no field (default: none, a non-field error)."""
        return None

    def service_success_url(self, result: Any) -> Any:
        return result

    def service_succeeded(self, form: Any, result: Any) -> HttpResponse:
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(self.service_success_url(result))

    def form_valid(self, form: Any) -> HttpResponse:
        ran, result = form_service(
            self.request,
            form,
            lambda: self.perform(form),
            field_for=self.service_error_field,
            unnamed=self.service_error_unnamed,
        )
        if not ran:
            return self.form_invalid(form)
        return self.service_succeeded(form, result)


def attempt_service(
    request: HttpRequest,
    call: Callable[[], Any],
    *,
    failure: Callable[[str], StrOrPromise] | None = None,
) -> tuple[bool, Any]:
    """Run ``call``; its ``ValidationError`` becomes an error message (``failure``: a function of
    the joined messages, default the messages). ``(True, result)`` when it ran, else ``(False, None)``."""
    try:
        return True, call()
    except ValidationError as error:
        reason = " ".join(error.messages)
        messages.error(request, failure(reason) if failure is not None else reason)
        return False, None


def call_service(
    request: HttpRequest,
    call: Callable[[], object],
    *,
    success: StrOrPromise | Callable[[Any], StrOrPromise] | None,
    failure: Callable[[str], StrOrPromise] | None = None,
) -> bool:
    """A button's POST (delete, review, remind): ``attempt_service``, then ``success`` (a message,
    or a function of the result; None: the page says it) as a success message. True when it ran."""
    ran, result = attempt_service(request, call, failure=failure)
    if ran and success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return ran
