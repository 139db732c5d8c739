"""rules.criteria: P5's criteria marks (dot → line → cross) to sub-stages and next targets; pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SubStage:
    """Where a count of crosses places a pupil within a stage, and how far the next sub-stage is."""

    stage: int
    label: str | None
    """The band's label ('developing'), or None below the first band."""
    crosses: int
    next_label: str | None
    to_next: int | None
    """Crosses still needed to reach the next band; None in the top band."""
    band: int | None = None
    """Index of the band in the scheme's list; None below the first."""

    @property
    def text(self) -> str:
        if self.label is None:
            return f"Stage {self.stage}: not yet started"
        return f"Stage {self.stage} {self.label}"


def sub_stage(stage: int, crosses: int, bands: Sequence[tuple[int, str]]) -> SubStage:
    """P5: for Stage 2, 1–8 crosses emerging, 9–16 developing, 17–24 securing, 25+ ready for Stage 3.

    `bands` is (fewest crosses, label), lowest first. 14 crosses → developing, 3 short of securing.
    """
    current: int | None = None
    for index, (start, _label) in enumerate(bands):
        if crosses >= start:
            current = index
    following = 0 if current is None else current + 1
    next_band = bands[following] if following < len(bands) else None
    return SubStage(
        stage=stage,
        label=None if current is None else bands[current][1],
        crosses=crosses,
        next_label=next_band[1] if next_band else None,
        to_next=next_band[0] - crosses if next_band else None,
        band=current,
    )


def count_crosses(record: Mapping[str, str]) -> int:
    return sum(1 for mark in record.values() if mark == "X")


def next_targets(record: Mapping[str, str]) -> list[str]:
    """P5: next half term's targets are the criteria now at 'line' (mostly achieved), in code order."""
    return sorted(code for code, mark in record.items() if mark == "/")


def grade_of(found: SubStage, formats: Sequence[str | None], labels: Sequence[str]) -> str | None:
    """The scale grade a count of crosses gives (P5: the crosses set the sub-stage), e.g. 14 at Stage 2 → 'St 2 developing'.

    `formats` gives each band's grade as text with `{stage}` and `{next}`
    ('St {next} ready' for the top band); None where the scheme names no
    grade, or the grade is not on the subject's scale.
    """
    if found.label is None:
        return None
    if found.band is None or found.band >= len(formats) or formats[found.band] is None:
        return None
    text = (formats[found.band] or "").replace("{stage}", str(found.stage)).replace("{next}", str(found.stage + 1))
    return text if text in labels else None


def disagrees(recorded: str | None, from_crosses: str | None) -> bool:
    """A recorded grade that is not the one the crosses give (P5: crosses are authoritative)."""
    return recorded is not None and from_crosses is not None and recorded != from_crosses
