"""Our form renderer writes selects in Python (secondopinion.forms.select_html): the markup must
be what Django's own templates write, for every kind of select and every attribute."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from secondopinion.forms import FormRenderer

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
