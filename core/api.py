"""The shared base of ``/api/v1/``: key authentication, scoped permissions and querysets,
throttling per client, pagination, conditional reads and one error format.

Every app's API (``<app>/api/{serializers,views,urls}.py``) builds on this module, so the REST API
applies exactly the rules of the web UI: reads through ``Model.objects.for_user(user, action)``,
writes through the app's services (``scoped_save``), the same county scope, the same audit trail.

Adding an endpoint for a new model (e.g. ``targets.Indicator``) takes a few lines
------------------------------------------------------------------------------------
1. ``targets/api/serializers.py``::

       class IndicatorSerializer(serializers.ModelSerializer):
           class Meta:
               model = Indicator
               fields = ["id", "code", "name", ..., "updated_at"]

2. ``targets/api/views.py``::

       @extend_schema_view(list=extend_schema(summary=_("List indicators")),
                           retrieve=extend_schema(summary=_("Read one indicator")))
       class IndicatorViewSet(ScopedReadOnlyViewSet):        # or ScopedModelViewSet for writes
           model = Indicator                                  # reads: Indicator.objects.for_user(...)
           serializer_class = IndicatorSerializer
           filterset_class = IndicatorFilterSet               # the filterset the web list uses
           ordering_fields = ["code", "updated_at"]
           select_related = ["owner"]                         # no query per row
           # for writes, the service does the work (same validation and audit as the web form):
           # def perform_save(self, instance, *, m2m, expected_version):
           #     return services.indicator_save(actor=self.request.user, indicator=instance,
           #                                    expected_version=expected_version)

   A model without ``scope_county_field`` (city-wide rows such as indicators or tasks) sets
   ``scoped = False`` (rows from ``model._default_manager``); reads still need a role with read
   access (``ScopedPermission``). Annotations go in ``decorate_queryset(queryset)``.

3. ``targets/api/urls.py``: ``def register(router): router.register("indicators", IndicatorViewSet,
   basename="indicator")`` and one line in ``jiangmen_portal/api_urls.py``.

4. Tests: add one ``Endpoint`` row to ``tests/api/endpoints.py``: the access matrix (no key, read
   key, write key, county key), the query-count test and the values()/serializer parity test run
   for it; the Schemathesis run picks the new operations up from the schema by itself.

List pages are rendered from ``values()`` by ``ValuesPlan`` when every serializer field maps to a
column or annotation (else the ordinary serializer path is used); reads of a detail carry an ETag.
Errors always have the body ``{"detail": "…", "errors": {"field": ["…"]}}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.http import http_date, parse_etags, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.jobs import fail_stale
from core.scoping import VIEW
from core.services import RecordGone, StaleEditError
from core.signals import request_denied

from .api_security import (  # noqa: E402,F401  (re-exported: the one module apps import)
    ApiClientRateThrottle,
    PortalPagination,
    ScopedPermission,
    action_for,
)

if TYPE_CHECKING:
    from django.http import JsonResponse
    from drf_spectacular.utils import Direction
    from rest_framework.generics import GenericAPIView

    # What the mixins below are combined with (at run time they derive from object only).
    _GenericView = GenericAPIView[Any]
    _ReadOnlyViewSet = viewsets.ReadOnlyModelViewSet[Any]
else:
    _GenericView = _ReadOnlyViewSet = object

# --------------------------------------------------------------------------------------------------
# Errors: {"detail": "…", "errors": {"field": ["…"]}}
# --------------------------------------------------------------------------------------------------


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF/Django error structures (nested dicts, lists of dicts) as ``{"field.sub": [messages]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "non_field_errors" if key in (NON_FIELD_ERRORS, "non_field_errors") else str(key)
            for k, v in _flatten(value, f"{prefix}.{name}" if prefix else name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(errors, (list, tuple)):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list, tuple)):
                key = f"{prefix}.{index}" if isinstance(value, dict) else prefix
                for k, v in _flatten(value, key).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(errors))
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus service errors (Django ``ValidationError``, stale edits), with one body
    shape for every error: ``detail`` (a sentence) and ``errors`` (messages keyed by field)."""
    request = context.get("request")
    if isinstance(exc, StaleEditError):
        code = (
            status.HTTP_412_PRECONDITION_FAILED
            if request is not None and request.headers.get("If-Match")
            else status.HTTP_409_CONFLICT
        )
        # The web form's message says "reload the page"; a client system reads the record again instead.
        message = _(
            "The record has changed since the version you sent. Your change was not saved: read the "
            "record again (GET) and send the change based on its new version."
        )
        return Response({"detail": message, "errors": {"version": [message]}}, status=code)
    if isinstance(exc, Http404):
        # Django's message names the model in English ("No Enterprise matches the given query."); a row
        # deleted by a concurrent request says so (``RecordGone``).
        gone = str(exc) if isinstance(exc, RecordGone) else _("No such record (or it is outside the key's scope).")
        return Response({"detail": gone, "errors": {}}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        message = _("Request bodies must be JSON (Content-Type: application/json), not %(type)s.") % {
            "type": (getattr(request, "content_type", "") or "?").split(";")[0]
        }
        exc = exceptions.UnsupportedMediaType("", detail=message)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_403_FORBIDDEN and request is not None:
        request_denied.send(sender=exception_handler, request=request)  # a security event, as in the web UI
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(response.data)
        field, messages = next(iter(errors.items()), ("", [""]))
        # The first message (already translated) as the sentence, naming its field by its label.
        detail: object = (
            messages[0]
            if field in ("", "non_field_errors")
            else f"{_field_label(context.get('view'), field, request)}：{messages[0]}"
        )
        response.data = {"detail": detail, "errors": errors}
    else:
        data = response.data
        detail = data.get("detail") if isinstance(data, dict) else None
        response.data = {"detail": str(detail) if detail is not None else str(exc), "errors": {}}
    return response


def _field_label(view: Any, name: str, request: Any = None) -> str:
    """The label (verbose name) of the serializer field ``name`` ("field.sub": of ``field``), so that
    ``detail`` reads as a Chinese sentence; the machine name stays the key of ``errors``. A query
    parameter is named as the client sent it (``updated_since``): that name is what it can correct."""
    top = name.split(".", 1)[0]
    if request is not None and top in getattr(request, "query_params", {}):
        return top
    try:
        field = view.get_serializer().fields.get(top) if view is not None else None
    except Exception:  # noqa: BLE001 - a view without a serializer: fall back to a neutral word
        field = None
    label = getattr(field, "label", None)
    return str(label) if label else _("Input")


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error response."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in one sentence."))
    # The serializer metaclass moves declared fields out of the class: this is the body's "errors" field and
    # does not replace ``Serializer.errors``, which the stubs cannot know.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy(
            "Messages keyed by field name ('non_field_errors' for the record as a whole); "
            "empty when the error is not about fields."
        ),
    )


ERROR_RESPONSES = {
    "400": gettext_lazy("Invalid input or filter value; the messages name the fields. Nothing was changed."),
    "401": gettext_lazy("No API key, or an invalid or revoked one."),
    "403": gettext_lazy("The key may not do this (e.g. a read-only key writing)."),
    "404": gettext_lazy("No such record within the key's scope (another county's records answer 404)."),
    "409": gettext_lazy("The 'version' sent is outdated: someone changed the record since it was read."),
    "412": gettext_lazy("The If-Match ETag is outdated: someone changed the record since it was read."),
    "429": gettext_lazy("Too many requests from this client; retry after the time in Retry-After."),
}


class PortalAutoSchema(AutoSchema):
    """Documents the error responses (with ``ErrorSerializer``) and the 304 of conditional reads on
    every operation, so clients and the Schemathesis run know every status the API can answer."""

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        method = self.method.upper()
        detail = "{" in self.path
        codes = {"401": ERROR_RESPONSES["401"], "403": ERROR_RESPONSES["403"], "429": ERROR_RESPONSES["429"]}
        if detail:
            codes["404"] = ERROR_RESPONSES["404"]
        elif method == "GET":
            codes["404"] = gettext_lazy("No such page (page number beyond the last page).")
        if method in ("POST", "PUT", "PATCH") or not detail:
            codes["400"] = ERROR_RESPONSES["400"]
        if method in ("PUT", "PATCH", "DELETE"):
            codes["409"], codes["412"] = ERROR_RESPONSES["409"], ERROR_RESPONSES["412"]
        for code, description in codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]  # drf-spectacular: untyped
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        if method == "GET" and detail:
            responses.setdefault("304", {"description": str(gettext_lazy("Not modified (If-None-Match)."))})
        return dict(sorted(responses.items()))


# --------------------------------------------------------------------------------------------------
# Viewsets
# --------------------------------------------------------------------------------------------------


class ScopedViewSetMixin(_GenericView):
    """Rows only through ``model.objects.for_user(request.user, action)``: reads with ``view``,
    writes with ``change`` (so a county-limited client gets 404 for another county's row).

    Subclasses set ``model`` and optionally ``select_related``/``prefetch_related``; override
    ``decorate_queryset`` for annotations. ``scoped = False`` for city-wide reference models."""

    model: Any = None  # every subclass sets its model class
    scoped = True
    select_related: list[str] = []
    prefetch_related: list[str] = []
    permission_classes = [ScopedPermission]

    def base_queryset(self) -> QuerySet[Any]:
        if self.scoped:
            return cast("QuerySet[Any]", self.model.objects.for_user(self.request.user, action_for(self.request)))
        return cast("QuerySet[Any]", self.model._default_manager.all())

    def decorate_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.base_queryset()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return self.decorate_queryset(queryset)


class ConditionalRetrieveMixin(_GenericView):
    """Detail reads carry ``ETag`` (``"<version>.<digest>"``: the row's version and a digest of the
    body, so derived values such as the current tier count too) and ``Last-Modified``; a matching
    ``If-None-Match`` answers 304. A write may send that ETag (or the bare version) in ``If-Match``."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        data = self.get_serializer(instance).data
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]
        version = getattr(instance, "version", None)
        etag = quote_etag(f"{version}.{digest}" if version is not None else digest)
        headers = {"ETag": etag}
        updated_at = getattr(instance, "updated_at", None)
        if updated_at is not None:
            headers["Last-Modified"] = http_date(updated_at.timestamp())
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and (etag in parse_etags(if_none_match) or if_none_match.strip() == "*"):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)


def expected_version_from(request: Request, serializer: serializers.BaseSerializer[Any] | None = None) -> int | None:
    """The version a write is based on: ``If-Match`` (our ETag or a bare number) or a ``version``
    field in the body. None: no check (the last write wins, as in a form without a version)."""
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        tags = parse_etags(header)
        tag = (tags[0] if tags else header).removeprefix("W/").strip('"')
        number = tag.split(".", 1)[0]
        if not number.isdigit():
            raise exceptions.ValidationError(
                {"version": [_("If-Match must hold the ETag of the record or its version number.")]}
            )
        return int(number)
    if serializer is not None:
        data: Any = getattr(serializer, "initial_data", None)
        value: Any = data.get("version") if isinstance(data, dict) else None
        if value is None:
            return None
        # As the schema states it: a whole number from 1 (JSON only: no text, no true/false).
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
            raise exceptions.ValidationError({"version": [_("A version is a whole number.")]})
        return int(value)
    return None


class ValuesPlan:
    """Serialize list pages from ``queryset.values()`` with the serializer's own fields.

    DRF builds a model instance (plus its related instances) per row and walks attributes; for a
    page of 1000 rows that costs several times the query. Here every readable field of the
    serializer maps to a ``values()`` lookup (``source`` with dots as ``__``; a slug or primary key
    for a related field) and its ``to_representation`` formats the raw value, so the output is the
    same as the serializer's (``tests/api/test_values_plan.py`` checks it for every endpoint).
    Many-to-many slug fields take one extra query per page. A serializer with a field this cannot
    map (a method field, a nested serializer) simply uses the normal path.
    """

    NATIVE = (serializers.CharField, serializers.IntegerField, serializers.BooleanField, serializers.ChoiceField)
    DATETIME = object()  # marker: an aware datetime in ISO 8601, in the current time zone

    @staticmethod
    def plain_iso_datetime(field: serializers.Field[Any, Any, Any, Any]) -> bool:
        """A DateTimeField with the default ISO 8601 output and time zone handling: render() formats it
        as ``to_representation`` would, looking the current time zone up once per page, not per value."""
        from django.conf import settings
        from rest_framework import ISO_8601  # (rest_framework.settings imports it from here)
        from rest_framework.settings import api_settings

        return (
            type(field) is serializers.DateTimeField
            and settings.USE_TZ
            and not hasattr(field, "timezone")
            and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
            and api_settings.DATETIME_FORMAT == ISO_8601
        )

    def __init__(self, serializer: Any, queryset: QuerySet[Any]) -> None:  # a Serializer (its ``fields``)
        model = queryset.model
        annotations = set(queryset.query.annotations)
        # (output name, lookup, formatter: a function, DATETIME or None)
        self.columns: list[tuple[str, str, Any]] = []
        self.many: list[tuple[str, Any, str]] = []  # (output name, m2m field, slug field)
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if field.source == "*" or isinstance(
                field, (serializers.BaseSerializer, serializers.SerializerMethodField)
            ):
                raise ValueError(name)
            lookup = "__".join(field.source_attrs)
            if isinstance(field, serializers.ManyRelatedField):
                child = field.child_relation
                slug = getattr(child, "slug_field", "pk")
                self.many.append((name, model._meta.get_field(lookup), slug))
            elif isinstance(field, serializers.SlugRelatedField):
                self.columns.append((name, f"{lookup}__{field.slug_field}", None))
            elif isinstance(field, serializers.PrimaryKeyRelatedField):
                self.columns.append((name, lookup, None))
            elif isinstance(field, serializers.RelatedField):
                raise ValueError(name)
            elif self.plain_iso_datetime(field):
                self.columns.append((name, lookup, self.DATETIME))  # formatted in render(), see there
            else:
                # Database values of these exact types are already what to_representation returns.
                native = type(field) in self.NATIVE
                self.columns.append((name, lookup, None if native else field.to_representation))
        for _name, lookup, _formatter in self.columns:
            if lookup not in annotations and not self.is_column(model, lookup):
                raise ValueError(lookup)  # a property or method: only the serializer can read it
        self.lookups = list(dict.fromkeys(["pk", *(column[1] for column in self.columns)]))

    @staticmethod
    def is_column(model: Any, lookup: str) -> bool:
        parts = lookup.split("__")
        for index, part in enumerate(parts):
            if part == "pk":
                return index == len(parts) - 1
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            if index < len(parts) - 1:
                if not field.is_relation or field.many_to_many or field.one_to_many:
                    return False
                model = field.related_model
            elif field.many_to_many or field.one_to_many:
                return False
        return True

    @classmethod
    def for_serializer(cls, serializer: Any, queryset: QuerySet[Any]) -> ValuesPlan | None:
        try:
            return cls(serializer, queryset)
        except (ValueError, LookupError):
            return None

    def values(self, queryset: QuerySet[Any]) -> QuerySet[Any, dict[str, Any]]:
        return queryset.prefetch_related(None).values(*self.lookups)

    def render(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        many: dict[str, dict[Any, list[Any]]] = {}
        if self.many and rows:
            ids = [row["pk"] for row in rows]
            for name, m2m, slug in self.many:
                through = m2m.remote_field.through
                source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
                ordering = [
                    f"{'-' if o.startswith('-') else ''}{target}__{o.lstrip('-')}"
                    for o in m2m.related_model._meta.ordering
                ] or [f"{target}__pk"]
                by_row: dict[Any, list[Any]] = {}
                for owner, value in (
                    through.objects.filter(**{f"{source}__in": ids})
                    .order_by(*ordering)
                    .values_list(source, f"{target}__{slug}")
                ):
                    by_row.setdefault(owner, []).append(value)
                many[name] = by_row
        tz = timezone.get_current_timezone()
        marker = self.DATETIME

        def iso(value: dt.datetime) -> str:
            if timezone.is_naive(value):  # never from a USE_TZ database; keep to_representation's result
                value = timezone.make_aware(value, tz)
            text = value.astimezone(tz).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        out = []
        for row in rows:
            item: dict[str, Any] = {}
            for name, lookup, formatter in self.columns:
                value = row[lookup]
                if value is None or formatter is None:
                    item[name] = value
                elif formatter is marker:
                    item[name] = iso(value)
                else:
                    item[name] = formatter(value)
            for name, by_row in many.items():
                item[name] = by_row.get(row["pk"], [])
            out.append(item)
        return out


class ValuesListMixin(_ReadOnlyViewSet):
    """List pages through ``ValuesPlan`` (same output, a fraction of the cost). The page is chosen
    on ids alone (``values("pk")``: annotations such as the current tier are computed only where
    the order needs them), then its rows are read with every column and annotation: a deep page
    (``OFFSET 90000``) never computes them for the rows it skips. A keyset (cursor) page reads its
    rows in one query: it skips nothing."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        plan = ValuesPlan.for_serializer(self.get_serializer(), queryset)
        if plan is None:
            return super().list(request, *args, **kwargs)
        if self.paginator is None:
            return Response(plan.render(list(plan.values(queryset))))
        if getattr(self.paginator, "cursor_query_param", None) in request.query_params:
            # a keyset page (WHERE id > last LIMIT n) reads only its own rows already: one query
            page = self.paginate_queryset(plan.values(queryset))
            return self.get_paginated_response(plan.render(page or []))
        keys = self.paginate_queryset(queryset.values("pk"))
        ids = [key["pk"] for key in keys or []]
        by_id = {row["pk"]: row for row in plan.values(queryset.filter(pk__in=ids).order_by())} if ids else {}
        return self.get_paginated_response(plan.render([by_id[pk] for pk in ids if pk in by_id]))


class JobReadMixin(_ReadOnlyViewSet):
    """Reads of job rows (``core.models.JobModel``) apply the stale rule first: a job whose worker
    died answers ``failed``, on the list and on the detail, as on the web pages."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fail_stale(self.get_queryset())
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Any:
        job = super().get_object()
        job.fail_if_stale()
        return job


class ScopedReadOnlyViewSet(
    ScopedViewSetMixin, ValuesListMixin, ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet[Any]
):
    """List and detail reads for a scoped model."""


class ScopedModelViewSet(
    ScopedViewSetMixin,
    ValuesListMixin,
    ConditionalRetrieveMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet[Any],
):
    """Reads plus writes that go through a service. Subclasses implement ``perform_save`` (create
    and update) and, if deletion is allowed, ``perform_remove``; the serializer only parses and
    checks types, the service validates, checks the scope and the version, saves and audits."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_save(
        self, instance: Any, *, m2m: dict[str, Any], expected_version: int | None
    ) -> Any:  # pragma: no cover
        """Save ``instance`` (attributes already set; many-to-many values in ``m2m``) through the
        app's service and return it."""
        raise NotImplementedError

    def perform_remove(self, instance: Any, expected_version: int | None) -> None:
        raise exceptions.MethodNotAllowed(cast(str, self.request.method))  # a request being served has one

    def _save(self, serializer: serializers.BaseSerializer[Any], instance: Any) -> None:  # a model instance
        data = dict(serializer.validated_data)
        m2m: dict[str, Any] = {}
        for field in instance._meta.many_to_many:
            if field.name in data:
                m2m[field.name] = data.pop(field.name)
        for name, value in data.items():
            setattr(instance, name, value)
        expected = expected_version_from(self.request, serializer)  # checked on creation too, used on edits
        if not instance.pk:
            expected = None
        saved = self.perform_save(instance, m2m=m2m, expected_version=expected)
        serializer.instance = self.get_queryset_for_response().filter(pk=saved.pk).first()
        if serializer.instance is None:  # deleted by a concurrent request once the save committed
            raise exceptions.NotFound(_("This record was deleted by someone else."))

    def get_queryset_for_response(self) -> QuerySet[Any]:
        """The saved row as a read returns it (annotations included)."""
        queryset = (
            self.model.objects.for_user(self.request.user, VIEW) if self.scoped else self.model._default_manager.all()
        )
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return self.decorate_queryset(queryset)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(serializer, self.model())

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance: Any) -> None:
        self.perform_remove(instance, expected_version_from(self.request))

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except (TypeError, ValueError, OverflowError):  # a malformed id is simply not found
            raise Http404


@csrf_exempt  # changes nothing; without it a POST to an unknown path would get the HTML CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under ``/api/v1/``: a JSON 404 in the API's error format (not the HTML page)."""
    from django.http import JsonResponse

    return JsonResponse({"detail": _("No such API endpoint."), "errors": {}}, status=404)
