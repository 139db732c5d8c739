"""judge.evaluation: P2's annual programme evaluation from the attitude surveys, aggregate only; every count through rules.disclosure.

The policy's measure of impact is the teachers' attitude-to-learning survey
before and after mentoring. The evaluation counts pupils (never ratings):
those whose "before" survey came back complete, and those whose "before"
and "after" both did; the average change (after minus before, per statement
and overall, on the scheme's scale) is over the second set and is shown
only when that count itself may be published.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.judge.derive import PupilFacts, SchoolFacts
from generator.rules.disclosure import Candidate, Threshold, protect, pupils_as_cells
from generator.sources.paperwork import SurveyRound


@dataclass(frozen=True)
class StatementChange:
    statement: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Evaluation:
    """What the staff analysis shows of the programme's surveys: counts that passed the disclosure audit, or None."""

    threshold: Threshold
    scale_max: int
    before_returned: int | None
    """Pupils whose 'before' survey came back with every rating; None when withheld."""
    both_returned: int | None
    """Pupils whose 'before' and 'after' surveys both came back complete; None when withheld."""
    statements: tuple[StatementChange, ...] = ()
    """Average before and after per statement, over `both_returned` pupils; empty when that count is withheld."""
    overall_change: float | None = None


def _complete(survey: SurveyRound | None) -> bool:
    return survey is not None and bool(survey.ratings) and all(r.returned_on is not None and r.scores for r in survey.ratings)


def _pupil_means(survey: SurveyRound, width: int) -> list[float | None]:
    """One pupil's mean score per statement across their teachers' ratings."""
    out: list[float | None] = []
    for i in range(width):
        values = [r.scores[i] for r in survey.ratings if len(r.scores) > i]
        out.append(sum(values) / len(values) if values else None)
    return out


def programme_evaluation(school: SchoolFacts) -> Evaluation | None:
    """None when the school runs no surveys (scheme.paperwork.surveys)."""
    scheme = school.site.scheme.paperwork.surveys
    if scheme is None:
        return None
    threshold = Threshold(school.site.disclosure.suppress_below)
    pupils: tuple[PupilFacts, ...] = school.pupils
    before = frozenset(p.id for p in pupils if _complete(p.record.surveys.before if p.record.surveys else None))
    both = frozenset(p.id for p in pupils if p.id in before and _complete(p.record.surveys.after if p.record.surveys else None))
    published = protect([Candidate("before", before), Candidate("both", both)],
                        pupils_as_cells(p.id for p in pupils), threshold)
    shown_both = published.count("both")
    statements: list[StatementChange] = []
    overall: float | None = None
    if shown_both:
        width = len(scheme.statements)
        sums = [[0.0, 0.0, 0] for _ in range(width)]
        for p in pupils:
            if p.id not in both or p.record.surveys is None or p.record.surveys.before is None or p.record.surveys.after is None:
                continue
            pairs = zip(_pupil_means(p.record.surveys.before, width), _pupil_means(p.record.surveys.after, width), strict=True)
            for i, (b, a) in enumerate(pairs):
                if b is not None and a is not None:
                    sums[i][0] += b
                    sums[i][1] += a
                    sums[i][2] += 1
        # a statement's average is over the same pupils as the published count, or it is not shown
        statements = [StatementChange(text, round(s[0] / s[2], 1), round(s[1] / s[2], 1))
                      for text, s in zip(scheme.statements, sums, strict=True) if s[2] == shown_both]
        if statements:
            overall = round(sum(s.after - s.before for s in statements) / len(statements), 1)
    return Evaluation(threshold, scheme.scale_max, published.count("before"), shown_both, tuple(statements), overall)


__all__ = ["Evaluation", "StatementChange", "programme_evaluation"]
