"""How easy a plain-language summary is to read: the Flesch reading ease, computed with no
dependency, and a one-line hint for the specialist writing it."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def count_syllables(word: str) -> int:
    """An English word's syllables, estimated from its vowel groups (good enough for a hint)."""
    word = word.lower()
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1  # a silent final e: "make", "the"
    return max(count, 1)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def reading_ease(self) -> float:
        """Flesch reading ease: 60–70 is plain English; above 70 is easy, below 50 is hard."""
        if not self.words:
            return 0.0
        return 206.835 - 1.015 * self.words_per_sentence - 84.6 * (self.syllables / self.words)


def measure(text: str) -> Readability:
    text = text.strip()
    words = _WORD.findall(text)
    sentences = len(_SENTENCE_END.findall(text))
    if words and text[-1] not in ".!?":
        sentences += 1  # a last sentence with no full stop
    return Readability(
        words=len(words),
        sentences=sentences,
        syllables=sum(count_syllables(word) for word in words),
    )


def hint(text: str) -> str:
    """What the specialist sees next to the summary: the score and what it means."""
    result = measure(text)
    score = round(result.reading_ease)
    if score >= 70:
        verdict = _("easy to read")
    elif score >= 60:
        verdict = _("plain English")
    elif score >= 50:
        verdict = _("fairly hard: try shorter sentences and everyday words")
    else:
        verdict = _("hard to read: use shorter sentences and shorter, everyday words")
    return _(
        "Reading ease of this summary: %(score)s (%(verdict)s; aim for 60 or more). "
        "%(words)s words per sentence on average."
    ) % {"score": score, "verdict": verdict, "words": f"{result.words_per_sentence:.0f}"}
