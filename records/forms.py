"""Forms for records: they validate input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from secondopinion.forms import MultipleFileField, StyledFormMixin, choice_field

from .models import RecordFile, RecordsRequest

# The kinds of record, for other apps' forms that ask for one.
RECORD_KIND_CHOICES = RecordFile.Label.choices


class RecordUploadForm(StyledFormMixin, forms.Form):
    file = MultipleFileField(
        label=_("Add medical records"),
        help_text=_(
            "Choose one or more files: PDF, image (JPEG, PNG, TIFF), DICOM, text or office "
            "document."
        ),
    )


class RecordDescriptionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = RecordFile
        fields = ["label", "note"]
        labels = {
            "label": _("What kind of record is this?"),
            "note": _("A note for the specialist"),
        }
        help_texts = {"note": _("For example the date of the scan or what the letter is about.")}
        widgets = {"label": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "label").choices = RecordFile.Label.choices
        self.fields["label"].required = False


class RecordsRequestForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = RecordsRequest
        fields = ["provider_name", "provider_organisation", "provider_email", "records_wanted"]
        help_texts = {
            "provider_name": _("The doctor or the records office, for example “Dr Ada Brown”."),
            "provider_email": _(
                "We send them a link to upload the records. It works once and "
                "expires; they don't need an account."
            ),
            "records_wanted": _("For example “MRI of the left knee, June 2026, with the report”."),
        }
        widgets = {"records_wanted": forms.Textarea(attrs={"rows": 3})}


class ProviderUploadForm(StyledFormMixin, forms.Form):
    file = MultipleFileField(
        label=_("Records to send"),
        help_text=_(
            "Choose one or more files: PDF, image (JPEG, PNG, TIFF), DICOM, text or office "
            "document."
        ),
    )
