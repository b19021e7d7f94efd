"""The clock handed to every service: simulated (stored in the database) or the system's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class Clock:
    mode: str  # "simulated" or "system"
    simulated_now: datetime | None = None

    def now(self) -> datetime:
        if self.mode == "simulated":
            return self.simulated_now
        return datetime.now(timezone.utc).replace(microsecond=0)

    @property
    def simulated(self) -> bool:
        return self.mode == "simulated"
