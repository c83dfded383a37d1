"""A model's lifecycle on a given day: the status and times GetFoundationModel reports, and whether
InvokeModel still serves it.

By the dates (ModelSettings.lifecycle None), for the emulator's clock `now`:
- past end_of_life: ended (InvokeModel 404 "This model version has reached the end of its life..."),
  status LEGACY, every known time reported;
- else past legacy_time, or no legacy_time but an end of life announced: LEGACY, times reported;
- else ACTIVE, and no legacy / end-of-life time yet (an emulator reading: a date the provider has
  not announced yet is not in the answer; startOfLifeTime always is, when known).
Forced: "ACTIVE" (the stack as it was before any Legacy date), "LEGACY" (serves whatever the dates
say), "EOL" (ended now: endOfLifeTime is end_of_life when already past, else the day's midnight UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import ModelSettings, parse_time


@dataclass(frozen=True)
class Lifecycle:
    status: str  # "ACTIVE" | "LEGACY" (botocore's FoundationModelLifecycleStatus)
    ended: bool  # past its end of life: InvokeModel answers 404
    start_of_life: datetime | None = None
    legacy_time: datetime | None = None
    end_of_life: datetime | None = None
    public_extended_access_time: datetime | None = None

    def to_api(self) -> dict:
        """botocore's FoundationModelLifecycle (timestamps as ISO 8601 strings)."""
        out: dict = {"status": self.status}
        for key, value in (
            ("startOfLifeTime", self.start_of_life),
            ("endOfLifeTime", self.end_of_life),
            ("legacyTime", self.legacy_time),
            ("publicExtendedAccessTime", self.public_extended_access_time),
        ):
            if value is not None:
                out[key] = value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return out


def lifecycle_on(s: ModelSettings, now: datetime) -> Lifecycle:
    """The model's lifecycle at `now` (see the module docstring)."""
    start = parse_time(s.start_of_life)
    legacy, eol = parse_time(s.legacy_time), parse_time(s.end_of_life)
    extended = parse_time(s.public_extended_access_time)
    forced = s.lifecycle
    if forced == "ACTIVE":
        return Lifecycle("ACTIVE", False, start)
    if forced == "LEGACY":
        return Lifecycle("LEGACY", False, start, legacy, eol, extended)
    if forced == "EOL":
        if eol is None or eol > now:
            eol = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return Lifecycle("LEGACY", True, start, legacy, eol, extended)
    if eol is not None and now >= eol:
        return Lifecycle("LEGACY", True, start, legacy, eol, extended)
    if (legacy is not None and now >= legacy) or (legacy is None and eol is not None):
        return Lifecycle("LEGACY", False, start, legacy, eol, extended)
    return Lifecycle("ACTIVE", False, start)


__all__ = ["Lifecycle", "lifecycle_on"]
