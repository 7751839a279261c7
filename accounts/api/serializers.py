from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Department, Place


class PlaceSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(  # type: ignore[assignment,var-annotated]  # stubs: Field.parent
        slug_field="code", read_only=True, allow_null=True, help_text=_("Division code of the parent place.")
    )

    class Meta:
        model = Place
        fields = ["id", "code", "name", "level", "parent", "sort_order"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "short_name", "sort_order", "is_active"]
