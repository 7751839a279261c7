"""Form helpers shared by every app."""

from typing import Any

from django import forms


class BootstrapMixin:
    """Bootstrap 5 classes on every widget (checkboxes, selects, other inputs)."""

    fields: dict[str, forms.Field]  # set by the form class this mixin is combined with

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
