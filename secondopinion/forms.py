"""Form rendering shared by every app: USWDS markup, an error summary, errors by each field."""

from django import forms
from django.forms.renderers import TemplatesSetting

from .errors import ApplicationError

_WIDGET_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.ClearableFileInput: "usa-file-input",
    forms.FileInput: "usa-file-input",
    forms.CheckboxInput: "usa-checkbox__input usa-checkbox__input--tile",
    forms.RadioSelect: "",
}


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class StyledFormMixin:
    """Adds the design system's classes to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next(
                (css for kind, css in _WIDGET_CLASSES.items() if isinstance(field.widget, kind)),
                "usa-input",
            )
            if css:
                field.widget.attrs.setdefault("class", css)


def add_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the form, next to the field it is about when it names one."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def posted(request):
    """The POST data, even when empty (an empty form must show its errors), else None."""
    return request.POST if request.method == "POST" else None
