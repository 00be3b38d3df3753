from django import forms

from secondopinion.forms import StyledFormMixin


class RecordUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="Add a medical record",
        help_text="PDF, image (JPEG, PNG, TIFF), DICOM, text or office document.",
    )
