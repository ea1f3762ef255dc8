"""How long a sign-in must wait after consecutive failures: the one place for the curve.

Per account (keyed by the name typed, existing or not) and per client address. The
first few failures cost nothing, then each one doubles the wait, and at a limit the
key is locked for a while. Nothing sleeps: a refused attempt is answered at once
with the time left ("try again in N s", HTTP 429 and ``Retry-After``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    free: int  # failures allowed with no wait
    lock_at: int  # failures that lock the key for ``lock``
    max_delay: int  # cap on the doubling wait before the lock (seconds)
    lock: timedelta
    # Counters restart after this long with no failure (longer than ``lock``, so a
    # lock that expires is followed by another after one more failure).
    forget_after: timedelta

    def wait_after(self, failures: int) -> int:
        """Seconds before the next attempt is accepted, after ``failures`` in a row."""
        if failures <= self.free:
            return 0
        if failures >= self.lock_at:
            return int(self.lock.total_seconds())
        return int(min(2 ** (failures - self.free - 1), self.max_delay))


ACCOUNT = Policy(
    free=3,
    lock_at=10,
    max_delay=60,
    lock=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)
# An address may be shared (an office behind one NAT): more slack before it slows down.
ADDRESS = Policy(
    free=10,
    lock_at=50,
    max_delay=60,
    lock=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)


def curve(policy: Policy, upto: int) -> list[tuple[int, int]]:
    """(failures, wait in seconds) for 1..upto: the delay curve, for documentation."""
    return [(n, policy.wait_after(n)) for n in range(1, upto + 1)]
