"""The coordinator's page for the translation step (review/translations.py): the opinion's text
beside a field for its translation into the report language, and the translator's attestation."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from cases import permissions
from cases.case_views import record_shown, visible_case
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import StyledFormMixin, add_application_error, posted, too_long
from specialists import selectors as specialist_selectors

from . import selectors, translations
from .models import Opinion, OpinionTranslation

_LABELS = {
    "diagnosis": gettext_lazy("The specialist's diagnosis, translated"),
    "reasoning": gettext_lazy("Reasoning, translated"),
    "recommendations": gettext_lazy("Recommended treatment and alternatives, translated"),
    "plain_summary": gettext_lazy("Summary in plain language, translated"),
    "helpful_tests": gettext_lazy("Tests or records that would help, translated"),
    "clinical_trials": gettext_lazy("Clinical trials, translated"),
    "doctor_questions": gettext_lazy("Questions to take to their own doctor, translated"),
}


class OpinionTranslationForm(StyledFormMixin, forms.Form):
    """The translation of each part of the opinion the specialist wrote (the parts left empty
    are not asked), the language it was written in, and the translator's attestation."""

    source_language = forms.ChoiceField(label=gettext_lazy("The specialist wrote the opinion in"))
    qualification = forms.CharField(
        label=gettext_lazy("Your qualification as a translator"),
        help_text=gettext_lazy(
            "Printed beside your name in the report, for example a certification."
        ),
        max_length=200,
        required=False,
        error_messages=too_long(gettext_lazy("The qualification")),
    )

    def __init__(self, *args, opinion: Opinion, language: str, written_in: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source_language"]).choices = [
            (code, capfirst(translations.language_name(code)))
            for code in translations.LANGUAGE_CODES
            if code != language
        ]
        self.fields["source_language"].initial = next(
            (code for code in written_in if code != language), "en"
        )
        source = self.initial.get("source_language") or self.fields["source_language"].initial
        for name in OpinionTranslation.TEXT_FIELDS:
            written = getattr(opinion, name).strip()
            if not written:
                continue
            limit = cast(models.Field, OpinionTranslation._meta.get_field(name)).max_length
            self.fields[name] = forms.CharField(
                label=_LABELS[name],
                widget=forms.Textarea(
                    attrs={"rows": 8 if len(written) > 400 else 4, "class": "usa-textarea"}
                ),
                max_length=limit,
                help_text=format_html(
                    '{} <span class="so-pre" lang="{}">{}</span>',
                    gettext("As the specialist wrote it:"),
                    source,
                    written,
                ),
                error_messages={
                    "required": gettext_lazy("Translate this part of the opinion too."),
                    **too_long(_LABELS[name]),
                },
            )
        self.fields["attested"] = forms.BooleanField(
            label=translations.attestation_text(source, language),
            widget=forms.CheckboxInput(
                attrs={"class": "usa-checkbox__input usa-checkbox__input--tile"}
            ),
            error_messages={
                "required": gettext_lazy("Confirm that you translated the opinion faithfully.")
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def translation_edit(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Coordinators only (a 404 for everyone else), on a case whose waived report language needs
    a translation, once the opinion is submitted; the service says when it is too late."""
    case = visible_case(request, reference)
    if not permissions.is_coordinator(request.user) or not translations.needs_translation(case):
        raise Http404
    opinion = selectors.opinion_for(case)
    if opinion is None or not opinion.revision:
        raise Http404
    in_force = translations.translation_in_force(opinion)
    previous = in_force or translations.latest_translation(opinion)
    initial = {}
    if previous is not None:
        initial = {name: getattr(previous, name) for name in OpinionTranslation.TEXT_FIELDS}
        initial |= {
            "source_language": previous.source_language,
            "qualification": previous.qualification,
        }
    form = OpinionTranslationForm(
        posted(request),
        initial=initial,
        opinion=opinion,
        language=case.report_language,
        written_in=specialist_selectors.languages_written_by(case.specialist),
    )
    if request.method == "POST" and form.is_valid():
        try:
            translations.attest_translation(case=case, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                gettext(
                    "The translation is attested. The PDF report with both texts is being "
                    "prepared; deliver the opinion once it is ready."
                ),
            )
            return redirect("cases:case-detail", case.reference)
    record_shown(request, case)
    return render(
        request,
        "review/translation_form.html",
        {
            "case": case,
            "form": form,
            "translation": in_force,
            "outdated": in_force is None and previous is not None,
            "language": translations.language_name(case.report_language),
        },
    )
