"""After the opinion: the patient's own questions for their doctor, their decision with the SURE
screen, and the follow-up check-ins at 30 and 90 days. Private to the patient and coordinators."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class Intention(models.TextChoices):
    FOLLOW = "follow", _("Follow the second opinion")
    DISCUSS = "discuss", _("Discuss it with my own doctor first")
    KEEP = "keep", _("Keep the original plan")
    UNDECIDED = "undecided", _("I have not decided yet")


class Moment(models.TextChoices):
    BEFORE = "before", _("Before reading the opinion")
    AFTER = "after", _("After reading the opinion")


# The four items of the SURE test for decisional conflict (Légaré et al. 2010), in its order:
# Sure of myself, Understand information, Risk-benefit ratio, Encouragement. Yes scores 1.
SURE_ITEMS = (
    ("sure_of_myself", _("Do you feel sure about the best choice for you?")),
    ("understand_information", _("Do you know the benefits and risks of each option?")),
    ("risk_benefit_ratio", _("Are you clear about which benefits and risks matter most to you?")),
    ("encouragement", _("Do you have enough support and advice to make a choice?")),
)


class Decision(models.Model):
    """What the patient intends to do and how sure they are, once before reading the opinion
    and once after; each may be changed (the newest answer is kept, every change audited)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    moment = models.CharField(max_length=8, choices=Moment.choices)
    intention = models.CharField(max_length=12, choices=Intention.choices, blank=True)
    sure_of_myself = models.BooleanField()
    understand_information = models.BooleanField()
    risk_benefit_ratio = models.BooleanField()
    encouragement = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "moment"], name="one_decision_per_moment")
        ]

    def __str__(self) -> str:
        return f"Decision {self.moment} on case {self.case_id}"

    @property
    def sure_score(self) -> int:
        """0 to 4; 4 means no decisional conflict."""
        return sum(bool(getattr(self, name)) for name, _ in SURE_ITEMS)


class PatientQuestion(models.Model):
    """A question the patient wants to take to their own doctor, beside the specialist's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("Your question"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"Patient question {self.pk} on case {self.case_id}"


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_SURE = "not_sure", _("Not sure")


class Followed(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class CheckIn(models.Model):
    """One follow-up check-in: opened (and the patient emailed) by the beat task once the interval
    has passed since delivery, answered once by the patient."""

    INTERVALS = (30, 90)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    interval_days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    diagnosis_changed = models.CharField(
        _("Has your diagnosis changed since the second opinion?"),
        max_length=8,
        choices=Answer.choices,
        blank=True,
    )
    treatment_changed = models.CharField(
        _("Has your treatment changed since the second opinion?"),
        max_length=8,
        choices=Answer.choices,
        blank=True,
    )
    followed_advice = models.CharField(
        _("Did you follow the second opinion's advice?"),
        max_length=8,
        choices=Followed.choices,
        blank=True,
    )
    how_it_went = models.TextField(_("How did it go? (optional)"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "interval_days"], name="one_check_in_per_interval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interval_days}-day check-in on case {self.case_id}"


class FollowUpChoice(models.Model):
    """The patient declined follow-up on a case (no row: follow-up is on, as consent v2 says)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+")
    declined = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Follow-up choice on case {self.case_id}"
