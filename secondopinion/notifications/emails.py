"""Every email the service sends is built here: a subject and a plain-text body from one template
each, and the HTML part made from that same text, so the two parts always say the same thing.

An email kind is a template prefix: `<prefix>_subject.txt` and `<prefix>_message.txt` (allauth's
convention, which our own emails follow too). Text is rendered without HTML escaping; the HTML
part escapes it and turns its links into links. The sender is DEFAULT_FROM_EMAIL; Reply-To is
SUPPORT_EMAIL when set, and only then do the templates invite a reply.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_context() -> dict:
    """What every email template may use: who we are and where to find us."""
    return {
        "service_name": settings.SERVICE_NAME,
        "site_url": settings.SITE_URL,
        "support_email": settings.SUPPORT_EMAIL,
    }


def _render_text(template_name: str, context: dict) -> str:
    # Plain text is never HTML-escaped: "O'Brien & Sons" stays as typed.
    # The Django engine's template wraps the django.template.Template that takes a Context.
    template = get_template(template_name).template  # type: ignore[attr-defined]
    return template.render(Context(context, autoescape=False))


def render_email(template_prefix: str, context: dict) -> RenderedEmail:
    """Subject, plain text and HTML of the email `template_prefix`, e.g.
    "notifications/email/case_update"."""
    context = email_context() | context
    subject = " ".join(_render_text(f"{template_prefix}_subject.txt", context).split())
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject
    text = _render_text(f"{template_prefix}_message.txt", context)
    # Optional sentences leave blank lines behind: one blank line between paragraphs.
    text = re.sub(r"\n\s*\n\s*\n+", "\n\n", text.strip())
    html = render_to_string(
        "notifications/email/layout.html", context | {"subject": subject, "text": text}
    )
    text += "\n"
    return RenderedEmail(subject=subject, text=text, html=html)


def build_message(*, to: list[str], email: RenderedEmail, headers=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[settings.SUPPORT_EMAIL] if settings.SUPPORT_EMAIL else None,
        headers=headers,
    )
    message.attach_alternative(email.html, "text/html")
    return message


def send_email(*, to: list[str], email: RenderedEmail) -> None:
    """Send `email` now; an OSError (the mail server is unreachable) is left to the caller's retry."""
    build_message(to=to, email=email).send()
