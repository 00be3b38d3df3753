"""Form rendering shared by every app: USWDS markup, an error summary, errors by each field."""

from typing import TYPE_CHECKING

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from .errors import ApplicationError

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

_WIDGET_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.ClearableFileInput: "usa-file-input",
    forms.FileInput: "usa-file-input",
    forms.CheckboxInput: "usa-checkbox__input usa-checkbox__input--tile",
    forms.RadioSelect: "",
}


# Django's widget templates that are its input.html and nothing else, and input.html itself.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "email", "number", "date", "datetime", "time", "password", "hidden",
        "url", "tel", "search", "color", "file", "checkbox",
    )
)  # fmt: skip
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
_RADIO_TEMPLATE = "django/forms/widgets/radio.html"
_FORM_CONTEXT = {"form", "fields", "hidden_fields", "errors"}


class FormRenderer(TemplatesSetting):
    """USWDS markup for every form. The form (forms/form.html), a field's group
    (forms/field.html), its input, textarea or radio buttons (our input.html and radio.html,
    Django's textarea.html) and a select are written in Python in the markup those templates
    write, character for character: through the template engine a field cost about 0.3 ms, a
    select's option 20 µs, and a form of eleven fields was a quarter of the specialist's
    workspace. tests/test_form_rendering.py holds each to its template. Every other template
    (a file input, a custom widget's) goes through the engine."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def render(self, template_name, context, request=None):
        if template_name == forms.Select.template_name:
            return select_html(context["widget"])
        if template_name in _INPUT_TEMPLATES:
            return input_html(context["widget"])
        if template_name == _TEXTAREA_TEMPLATE:
            return textarea_html(context["widget"])
        if template_name == _RADIO_TEMPLATE:
            return radio_html(context["widget"])
        if template_name == self.field_template_name and context.keys() == {"field"}:
            return field_group_html(context["field"])
        if template_name == self.form_template_name and context.keys() == _FORM_CONTEXT:
            return form_html(context)
        return super().render(template_name, context, request)


def form_html(context: dict) -> SafeString:
    """forms/form.html: the error summary (the form's own errors, then each field's, linked to
    it), the hidden fields, then each field's group."""
    form = context["form"]
    summary = ""
    if form.errors:
        items = [f"<li>{conditional_escape(str(error))}</li>" for error in context["errors"]]
        items_of_fields = [
            f'<li><a href="#{conditional_escape(field.auto_id)}">'
            f"{conditional_escape(str(error))}</a></li>"
            for field in form
            for error in field.errors
        ]
        summary = (
            '<div class="usa-alert usa-alert--error margin-bottom-3 js-error-summary" '
            'role="alert" tabindex="-1" aria-labelledby="error-summary-title">\n'
            '  <div class="usa-alert__body">\n'
            '    <h2 class="usa-alert__heading" id="error-summary-title">'
            f"{escape(gettext('There is a problem'))}</h2>\n"
            '    <ul class="usa-list usa-list--unstyled">\n'
            f"      {''.join(items)}\n"
            f"      {''.join(items_of_fields)}\n"
            "    </ul>\n"
            "  </div>\n"
            "</div>\n"
        )
    hidden = "".join(conditional_escape(str(field)) for field in context["hidden_fields"])
    groups = "".join(conditional_escape(field.as_field_group()) for field, _ in context["fields"])
    return mark_safe(f"{summary}\n{hidden}\n{groups}".strip())  # noqa: S308 (escaped)


def radio_html(widget: dict) -> SafeString:
    """Our django/forms/widgets/radio.html: radio buttons as the design system draws them, each
    input followed by its label."""
    id_ = widget["attrs"].get("id")
    out = [f'<div id="{conditional_escape(id_)}">' if id_ else "<div>"]
    for _group, options, _index in widget["optgroups"]:
        out.extend(
            '\n  <div class="usa-radio">\n'
            f"    {input_html(option)}\n\n"
            f'    <label class="usa-radio__label" for="{conditional_escape(option["attrs"].get("id", ""))}">'
            f"{_label_html(option['label'])}</label>\n"
            "  </div>"
            for option in options
        )
    out.append("\n</div>")
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped)


def field_group_html(field: forms.BoundField) -> SafeString:
    """forms/field.html, line by line: the field's label (or legend), hint, errors and widget.
    (The renderer strips what a template writes, as Django's does.)"""
    errors = field.errors
    label = conditional_escape(field.label)
    error_class = " usa-label--error" if errors else ""
    optional = ""
    if not field.field.required and getattr(field.form, "mark_optional", None) is not False:
        indent = " " * (8 if field.use_fieldset else 10)
        optional = f' <span\n{indent}class="usa-hint">{escape(gettext("(optional)"))}</span>'
    checkbox = field.widget_type == "checkbox"
    for_label = f'for="{conditional_escape(field.id_for_label)}"'
    if field.use_fieldset:
        described = field.aria_describedby
        described_by = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        heading = (
            f'\n  <fieldset class="usa-fieldset"{described_by}>\n'
            f'    <legend class="usa-legend{error_class}">{label}{optional}</legend>\n'
        )
    elif not checkbox:
        heading = f'\n  <label class="usa-label{error_class}"\n      {for_label}>{label}{optional}</label>\n'
    else:
        heading = ""
    auto_id = conditional_escape(field.auto_id)
    hint = ""
    if field.help_text:
        hint = f'<div class="usa-hint" id="{auto_id}_helptext">{conditional_escape(field.help_text)}</div>'
    error_list = ""
    if errors:
        spans = "".join(
            f'<span class="usa-error-message">{conditional_escape(str(error))}</span>'
            for error in errors
        )
        error_list = f'<div id="{auto_id}_error">{spans}</div>'
    widget = conditional_escape(str(field))
    if checkbox:
        control = (
            f'\n  \n  <div class="usa-checkbox">\n    {widget}\n'
            f'    <label class="usa-checkbox__label" {for_label}>{label}</label>\n  </div>\n'
        )
    else:
        control = f"\n  {widget}\n"
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<div class="usa-form-group{" usa-form-group--error" if errors else ""}">\n'
        f"{heading}\n  {hint}\n  \n  {error_list}\n{control}\n"
        f"{'</fieldset>' if field.use_fieldset else ''}\n</div>"
    )


_DEFAULT_INPUT_CLASSES = {
    "checkbox": "usa-checkbox__input",
    "radio": "usa-radio__input",
    "file": "usa-file-input",
    "hidden": "",
}


def input_html(widget: dict) -> SafeString:
    """Our django/forms/widgets/input.html: Django's input, with the design system's class when
    the form gave none (allauth's forms), on one line."""
    value = widget["value"]
    value_attr = "" if value is None else f' value="{escape(f"{value}")}"'
    default_class = ""
    if not widget["attrs"].get("class"):
        css = _DEFAULT_INPUT_CLASSES.get(widget["type"], "usa-input")
        default_class = f' class="{css}"' if css else ""
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value_attr}{default_class}'
        f"{_attrs_html(widget['attrs'])}>"
    )


def textarea_html(widget: dict) -> SafeString:
    """Django's textarea.html."""
    value = widget["value"]
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


def select_html(widget: dict) -> SafeString:
    """A select (Select, SelectMultiple, NullBooleanSelect) written in Python, in the markup of
    Django's select.html, select_option.html and attrs.html, one option to a line. Through the
    template engine each option cost about 20 µs: the audit viewer's 103 actions took 2.9 ms, an
    eighth of the page. tests/test_form_rendering.py holds this to Django's own templates."""
    lines = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            lines.append(f'  <optgroup label="{conditional_escape(group_name)}">')
        lines.extend(
            f'  <option value="{conditional_escape(str(option["value"]))}"'
            f"{_attrs_html(option['attrs'])}>{_label_html(option['label'])}</option>"
            for option in options
        )
        if group_name:
            lines.append("  </optgroup>")
    lines.append("</select>\n")
    return mark_safe("\n".join(lines))  # noqa: S308 (every value above is escaped)


def _label_html(label) -> str:
    """An option's label as `{{ option.label }}` writes it: a number in the reader's format."""
    return conditional_escape(localize(label))


def _attrs_html(attrs: dict) -> str:
    """Django's attrs.html: ` name="value"` for each attribute, the name alone for True, nothing
    for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class StyledFormMixin:
    """Adds the design system's classes to every widget."""

    fields: dict[str, forms.Field]  # the form's, which this mixin precedes

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next(
                (css for kind, css in _WIDGET_CLASSES.items() if isinstance(field.widget, kind)),
                "usa-input",
            )
            if css:
                field.widget.attrs.setdefault("class", css)


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the form, next to the field it is about when it names one."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def posted(request):
    """The POST data, even when empty (an empty form must show its errors), else None."""
    return request.POST if request.method == "POST" else None


def too_long(what: "str | _StrPromise") -> dict[str, "_StrPromise"]:
    """A field's "too long" message naming what the field holds (`what` translated or not)."""
    message = gettext_lazy(
        "{what} must be %(limit_value)d characters or fewer (it has %(show_value)d)."
    )
    return {"max_length": format_lazy(message, what=what)}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from one input. Each file is checked by the service on its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        # Empty files are let through here: the service refuses each with its own message.
        return [file for file in files if file is not None]


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field `name`, which is a choice field (django-stubs types `form.fields` as
    plain fields, so setting `choices` needs this)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's field `name`, which chooses among model instances (see `choice_field`)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), name
    return field
