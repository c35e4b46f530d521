"""Retry policies: how often, and how late, a failed job runs again.

A policy is plain data (it is stored with each job as JSON), so a worker in another
process, or one started after a restart, applies exactly the policy the job was
submitted with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, final

__all__ = ["DEFAULT_RETRY", "RetryPolicy"]


def _names(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"RetryPolicy: {what} must be a sequence of error type names")
    return tuple(value)


@final
@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed or timed-out attempt is tried again.

    :param max_attempts: attempts that may fail (raise or time out) before the job is
        given up; ``1`` never retries.
    :param initial_backoff: seconds to wait before the second attempt.
    :param backoff_multiplier: each further wait is this many times the previous one.
    :param max_backoff: no wait is longer than this.
    :param retryable: if not empty, only errors whose type name is listed are retried.
    :param non_retryable: errors whose type name is listed are never retried (this wins
        over ``retryable``).

    Type names are compared by the exception's class name and its bases' names
    (``"ValueError"`` matches a ``UnicodeDecodeError``), so a policy never needs to
    import the job's module.
    """

    max_attempts: int = 1
    initial_backoff: float = 1.0
    backoff_multiplier: float = 2.0
    max_backoff: float = 60.0
    retryable: tuple[str, ...] = field(default=())
    non_retryable: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if type(self.max_attempts) is not int or self.max_attempts < 1:
            raise ValueError(
                f"RetryPolicy: max_attempts must be an int >= 1, not {self.max_attempts!r}"
            )
        for name in ("initial_backoff", "backoff_multiplier", "max_backoff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"RetryPolicy: {name} must be a number >= 0, not {value!r}")
        if self.backoff_multiplier < 1:
            raise ValueError(
                f"RetryPolicy: backoff_multiplier must be >= 1, not {self.backoff_multiplier!r}"
            )
        object.__setattr__(self, "retryable", _names(self.retryable, "retryable"))
        object.__setattr__(self, "non_retryable", _names(self.non_retryable, "non_retryable"))

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt (1 for the first)."""
        delay = self.initial_backoff * self.backoff_multiplier ** max(failures - 1, 0)
        return float(min(delay, self.max_backoff))

    def allows(self, failures: int, error_types: tuple[str, ...] = ()) -> bool:
        """Whether another attempt may run after ``failures`` failed ones.

        :param error_types: the failing exception's type name and its bases' names; empty
            for a timeout, which only ``max_attempts`` limits.
        """
        if failures >= self.max_attempts:
            return False
        if not error_types:
            return True
        if any(name in self.non_retryable for name in error_types):
            return False
        return not self.retryable or any(name in self.retryable for name in error_types)

    def to_json(self) -> dict[str, Any]:
        """The policy as JSON (the form stored with each job)."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RetryPolicy:
        """The policy :meth:`to_json` gave (checked again, like any policy)."""
        return cls(**data)


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


#: What :meth:`WorkQueue.submit` uses without ``retry=``: a raising job fails at once
#: (a person decides whether to retry), while a job whose worker vanished is always
#: run again (that was not the job's fault; see ``MAX_LOST`` in the queue).
DEFAULT_RETRY: Final = RetryPolicy()
