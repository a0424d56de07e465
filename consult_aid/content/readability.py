"""Reading level of a pack's patient-facing text (Flesch–Kincaid grade, target 8 or below).

Which texts: everything the patient reads or hears — the decision, condition names and
descriptions, option names, summaries, steps and "living with it", comparison questions and
answers, every benefit and risk title, text, uncertainty statement, not-quantified reason and
teach-back prompt, and the whole handout (title, sections, emergency and clinic signs, what
happens after the trial).
Clinician-facing text (checklist, red-flag prompts, citations) is not graded.

Very short texts. The Flesch–Kincaid formula, 0.39 × words per sentence + 11.8 × syllables
per word − 15.59, was built for passages. Below about ten words the syllable term decides
almost alone: the one word "Infection." scores grade 20, "Bleeding" 8.4, "Trial" −3.4. So a
text of fewer than :data:`SHORT_TEXT_WORDS` words is not graded on its own: all such texts of
a pack are joined, each as its own sentence, into one passage that is graded as a whole
(reported under the key path ``(short texts)``). Hard words in short texts still raise that
passage's grade; one long word no longer fails a three-word answer.

Syllables come from pyphen's US-English hyphenation dictionary. textstat's default for
English loads NLTK's CMU dictionary, downloading it on first use; a desktop program must
not reach the network to grade text, so :func:`grade` selects the language as ``en-US``,
which textstat counts with pyphen alone.

Placeholders such as ``{clinic_phone}`` are graded as what replaces them (a phone number).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from statistics import fmean
from typing import Protocol, cast

from consult_aid.content.model import Pack
from consult_aid.content.placeholders import PLACEHOLDER, READING_STAND_INS

GRADE_LIMIT = 8.0
SHORT_TEXT_WORDS = 10
SHORT_TEXTS = "(short texts)"
TEXTSTAT_LANGUAGE = "en-US"  # pyphen only; "en"/"en_US" would pull NLTK's cmudict off the net


class _TextStatistics(Protocol):
    """The part of textstat's ``textstatistics`` used here (textstat ships no type marker)."""

    def lexicon_count(self, text: str) -> int: ...
    def flesch_kincaid_grade(self, text: str) -> float: ...


@cache
def _textstat() -> _TextStatistics:
    from textstat.textstat import textstatistics  # heavy import (nltk): only when grading

    stats = textstatistics()
    stats.set_lang(TEXTSTAT_LANGUAGE)
    return cast(_TextStatistics, stats)


def _for_reading(text: str) -> str:
    return PLACEHOLDER.sub(lambda m: READING_STAND_INS.get(m.group(1), "the clinic"), text)


def word_count(text: str) -> int:
    return int(_textstat().lexicon_count(_for_reading(text)))


def grade(text: str) -> float:
    """Flesch–Kincaid grade of ``text`` (textstat), never below 0; 0 for empty text."""
    cleaned = _for_reading(text).strip()
    if not cleaned:
        return 0.0
    return max(0.0, float(_textstat().flesch_kincaid_grade(cleaned)))


def handout_texts(pack: Pack) -> list[tuple[str, str]]:
    """(key path, text) of the patient's handout, then the carers' when the pack has one."""
    out: list[tuple[str, str]] = []
    for key, h in pack.handouts():
        out.append((f"{key}.title", h.title))
        for s, section in enumerate(h.sections):
            out.append((f"{key}.sections[{s}].heading", section.heading))
            out += [(f"{key}.sections[{s}].paragraphs[{p}]", text)
                    for p, text in enumerate(section.paragraphs)]
        out += [(f"{key}.emergency_signs[{n}]", text) for n, text in enumerate(h.emergency_signs)]
        out += [(f"{key}.clinic_signs[{n}]", text) for n, text in enumerate(h.clinic_signs)]
        if h.after_trial is not None:
            a = h.after_trial
            out += [(f"{key}.after_trial.heading", a.heading), (f"{key}.after_trial.who", a.who),
                    (f"{key}.after_trial.how_long", a.how_long)]
            out += [(f"{key}.after_trial.watch[{n}]", text) for n, text in enumerate(a.watch)]
    return out


def patient_texts(pack: Pack) -> list[tuple[str, str]]:
    """(key path, text) of every patient-facing text, in pack order."""
    out: list[tuple[str, str]] = [("decision", pack.decision)]
    for c, cond in enumerate(pack.conditions):
        out += [(f"conditions[{c}].name", cond.name),
                (f"conditions[{c}].description", cond.description)]
    for o, option in enumerate(pack.options):
        base = f"options[{o}]"
        out += [(f"{base}.name", option.name), (f"{base}.summary", option.summary)]
        out += [(f"{base}.steps[{s}]", step) for s, step in enumerate(option.steps)]
        out.append((f"{base}.living_with", option.living_with))
        out += [(f"{base}.answers.{qid}", answer) for qid, answer in option.answers.items()]
        for group, items in (("benefits", option.benefits), ("expect", option.expect),
                             ("risks", option.risks)):
            for i, item in enumerate(items):
                path = f"{base}.{group}[{i}]"
                out.append((f"{path}.title", item.title))
                out.append((f"{path}.text", item.text))
                out.append((f"{path}.uncertainty", item.uncertainty))
                if item.not_quantified_reason:
                    out.append((f"{path}.not_quantified", item.not_quantified_reason))
                out.append((f"{path}.teach_back", item.teach_back))
    out += [(f"comparison[{q}].question", question.question)
            for q, question in enumerate(pack.comparison)]
    out += handout_texts(pack)
    return [(path, text) for path, text in out if text.strip()]


@dataclass(frozen=True, slots=True)
class GradedText:
    key_path: str
    text: str
    grade: float
    words: int


@dataclass(frozen=True, slots=True)
class ReadingReport:
    pack_id: str
    graded: tuple[GradedText, ...]  # texts graded alone, then the pooled short texts
    short_count: int  # how many short texts went into the pooled passage
    limit: float = GRADE_LIMIT

    @property
    def mean(self) -> float:
        return fmean(g.grade for g in self.graded) if self.graded else 0.0

    @property
    def max(self) -> float:
        return max((g.grade for g in self.graded), default=0.0)

    @property
    def too_hard(self) -> tuple[GradedText, ...]:
        return tuple(g for g in self.graded if g.grade > self.limit)

    def summary(self) -> str:
        return (f"{self.pack_id}: mean grade {self.mean:.1f}, max {self.max:.1f} over "
                f"{len(self.graded)} graded texts ({self.short_count} short texts pooled)")


def assess(pack: Pack, limit: float = GRADE_LIMIT) -> ReadingReport:
    graded: list[GradedText] = []
    short: list[str] = []
    for path, text in patient_texts(pack):
        words = word_count(text)
        if words < SHORT_TEXT_WORDS:
            short.append(text if text.rstrip()[-1:] in ".?!" else f"{text.rstrip()}.")
        else:
            graded.append(GradedText(path, text, grade(text), words))
    if short:
        passage = " ".join(short)
        graded.append(GradedText(SHORT_TEXTS, passage, grade(passage), word_count(passage)))
    return ReadingReport(pack.id, tuple(graded), len(short), limit)
