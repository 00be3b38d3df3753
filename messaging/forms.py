"""The form to write a message on a case, with attachments."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from secondopinion.forms import MultipleFileField, StyledFormMixin

from .models import Message


class MessageForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        help_text=format_lazy(_("Up to {max} characters."), max=Message.MAX_LENGTH),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=Message.MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Your message must be %(limit_value)d characters or fewer (it has %(show_value)d)."
            ),
            "required": _("Write your message."),
        },
    )
    file = MultipleFileField(
        label=_("Attach records"),
        required=False,
        help_text=_(
            "They are added to your case's records: PDF, image (JPEG, PNG, TIFF), DICOM, "
            "text or office document."
        ),
    )

    def __init__(self, *args, can_attach: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_attach:  # records come from the patient's side only
            del self.fields["file"]
