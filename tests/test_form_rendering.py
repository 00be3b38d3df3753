"""Our form renderer writes selects in Python (secondopinion.forms.select_html): the markup must
be what Django's own templates write, for every kind of select and every attribute."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from secondopinion.forms import FormRenderer, StyledFormMixin

DJANGO = DjangoTemplates()  # Django's own widget templates, none of ours


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "Alpha"), ("b", "Beta")])
    grouped = forms.ChoiceField(
        choices=[
            ("Cancer", [("onc", "Oncology"), ("hem", "Haematology")]),
            ("Heart", [("car", "Cardiology")]),
            ("x", "Ungrouped"),
        ],
        required=False,
    )
    escaped = forms.ChoiceField(
        choices=[('<b>"1"</b>', "O'Brien & <Sons>"), ("2", mark_safe("<em>safe</em>"))],
        widget=forms.Select(attrs={"data-note": 'say "hi" & <go>', "disabled": True}),
    )
    several = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "Three")])
    yes_no = forms.NullBooleanField()
    number = forms.TypedChoiceField(choices=[(1, 1000), (2, 2.5)], coerce=int)


def markup(html: str) -> str:
    """The HTML without the white space between tags (Django's templates leave a blank line
    between options), which a browser does not read inside a select."""
    return re.sub(r">\s+<", "><", html).strip()


# Our own formats write 2.5 alike in English and Spanish (secondopinion/formats); German, from
# Django's, writes "2,5": a label is written in the reader's format, as the template wrote it.
@pytest.mark.parametrize("language", ["en-gb", "es", "de"])
def test_a_select_is_written_as_djangos_templates_write_it(language):
    for data in (
        None,
        {
            "plain": "b",
            "grouped": "hem",
            "escaped": '<b>"1"</b>',
            "several": ["1", "3"],
            "yes_no": "true",
            "number": "2",
        },
        {"plain": "nonsense", "several": ["9"]},  # invalid: errors, aria-invalid, nothing chosen
    ):
        ours, djangos = Everything(data, renderer=FormRenderer()), Everything(data, renderer=DJANGO)
        if data:
            assert ours.is_valid() == djangos.is_valid()
        for name in ours.fields:
            with translation.override(language):
                assert markup(ours[name].as_widget()) == markup(djangos[name].as_widget()), name


def test_the_renderer_is_the_one_every_form_uses(settings):
    assert settings.FORM_RENDERER == "secondopinion.forms.FormRenderer"
    html = str(Everything({"grouped": "car"})["grouped"])
    assert '<optgroup label="Heart">\n  <option value="car" selected>Cardiology</option>' in html


class EngineOnly(FormRenderer):
    """Our templates (forms/field.html, our input.html) and Django's through the template
    engine: what FormRenderer must write. (A select is held to Django's template above, where
    the blank lines between options are left out.)"""

    def render(self, template_name, context, request=None):
        if template_name == forms.Select.template_name:
            return super().render(template_name, context, request)
        return super(FormRenderer, self).render(template_name, context, request)


class EveryField(StyledFormMixin, forms.Form):
    name = forms.CharField(label="Full name", help_text="As on your <ID> & card", max_length=20)
    note = forms.CharField(label='Note "quoted"', required=False, widget=forms.Textarea)
    email = forms.EmailField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(min_value=1, help_text=mark_safe("<em>safe</em> hint"))
    agree = forms.BooleanField(label="I agree & consent")
    maybe = forms.BooleanField(required=False, label="Optional box")
    pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    picks = forms.MultipleChoiceField(
        choices=[(1, "One"), (2, "Two")], widget=forms.CheckboxSelectMultiple, required=False
    )
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput)
    site = forms.URLField(required=False, widget=forms.URLInput(attrs={"class": ""}))
    choice = forms.ChoiceField(choices=[("", "Any"), ("x", "X")], required=False)
    described = forms.CharField(
        required=False,
        help_text="Hint",
        widget=forms.TextInput(attrs={"aria-describedby": "elsewhere", "disabled": True}),
    )

    def clean(self):
        if self.cleaned_data.get("name") == "boom":
            raise forms.ValidationError("The <form> & all of it")
        return self.cleaned_data


class NotMarkedOptional(EveryField):
    mark_optional = False


FORM_DATA = (
    None,
    {
        "name": "Ann <O'Brien> & co",
        "note": 'line one\n<script>"two"</script>',
        "email": "ann@example.org",
        "when": "2026-12-08",
        "count": "3",
        "agree": "on",
        "pick": "b",
        "picks": ["2"],
        "secret": "p&ss",
        "hidden": '"h"',
        "site": "https://example.org/?a=1&b=2",
        "choice": "x",
    },
    {"name": "x" * 30, "email": "not an email", "count": "0", "when": "nonsense", "pick": "z"},
    {"name": "boom", "count": "2", "agree": "on", "pick": "a"},  # the form's own error alone
)


@pytest.mark.parametrize("form_class", [EveryField, NotMarkedOptional])
@pytest.mark.parametrize("data", FORM_DATA)
@pytest.mark.parametrize("language", ["en-gb", "es"])
@pytest.mark.parametrize("auto_id", ["id_%s", False])  # False: no ids at all
def test_a_field_is_written_as_our_templates_write_it(form_class, data, language, auto_id):
    with translation.override(language):
        ours = form_class(data, renderer=FormRenderer(), auto_id=auto_id)
        engines = form_class(data, renderer=EngineOnly(), auto_id=auto_id)
        if data:
            ours.is_valid(), engines.is_valid()
        for name in ours.fields:
            assert ours[name].as_field_group() == engines[name].as_field_group(), name
        assert str(ours) == str(engines)


def test_fields_inputs_and_textareas_never_reach_the_template_engine(monkeypatch):
    through_the_engine = []
    engine = FormRenderer.get_template

    def get_template(self, template_name):
        through_the_engine.append(template_name)
        return engine(self, template_name)

    monkeypatch.setattr(FormRenderer, "get_template", get_template)
    form = EveryField(FORM_DATA[2], renderer=FormRenderer())
    form.is_valid()
    for name in form.fields:
        form[name].as_field_group()

    str(form)

    # The boxes of a multiple choice are Django's template.
    assert set(through_the_engine) == {"django/forms/widgets/checkbox_select.html"}
