"""Group commit: work submitted concurrently by many threads is committed together, in one transaction.

A log has one writer at a time, so each append pays the write lock, the head and compact-range reads, a
signed checkpoint and a commit (an fsync) however few statements it carries. When threads submit at the
same time, the first becomes the leader: it takes every unit waiting (up to a weight limit, in arrival
order), runs `commit` once for all of them, hands each its outcome, then passes leadership to the oldest
unit still waiting. Threads that arrive while a commit runs wait for the next one, so under load every
commit carries everything that queued during the one before; alone, a thread commits its own unit at once.

Only one thread per `GroupCommit` waits for the database's write lock, so waiting writers are served in
arrival order within a process, whatever order the database grants its lock in.
"""

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Unit = TypeVar("Unit")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Waiting(Generic[Unit, Result]):
    unit: Unit
    weight: int
    woken: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    outcome: "Result | BaseException | None" = None


class GroupCommit(Generic[Unit, Result]):
    """Run `commit(units)` for units submitted from many threads, as few times as the load allows.

    `commit` gets at least one unit and returns one outcome per unit, in order: a result, or the exception
    that unit's submitter should raise. If `commit` itself raises, every unit of that group gets the error.
    """

    def __init__(self, commit: Callable[[Sequence[Unit]], Sequence[Result | BaseException]],
                 max_weight: int) -> None:
        self._commit = commit
        self._max_weight = max_weight
        self._lock = threading.Lock()
        self._queue: deque[_Waiting[Unit, Result]] = deque()
        self._leading = False  # a thread is committing; while it is, the queue is its successor's to take
        self.commits = 0
        """Groups committed so far (for figures and tests)."""

    @property
    def waiting(self) -> int:
        """Units queued for a commit that has not started."""
        with self._lock:
            return len(self._queue)

    @property
    def leading(self) -> bool:
        """Whether a thread is committing a group (or about to)."""
        with self._lock:
            return self._leading

    def run(self, unit: Unit, weight: int = 1) -> Result:
        """Commit `unit` (with others waiting at the same time) and return its result, or raise its error."""
        me: _Waiting[Unit, Result] = _Waiting(unit, weight)
        with self._lock:
            self._queue.append(me)
            lead = not self._leading
            self._leading = True
        if not lead:
            me.woken.wait()  # set when our group is done, or when it is our turn to lead
        if not me.done:
            self._lead()
        if isinstance(me.outcome, BaseException):
            raise me.outcome
        return me.outcome  # type: ignore[return-value]  # done and not an exception: a Result

    def _lead(self) -> None:
        """Commit the group at the head of the queue (which starts with the calling thread's unit), then wake
        the oldest unit still waiting to lead the next group."""
        group = self._take()
        try:
            outcomes: Sequence[Result | BaseException] = self._commit([w.unit for w in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"commit returned {len(outcomes)} outcomes for {len(group)} units")
        except BaseException as exc:  # every submitter of the group must hear of it
            outcomes = [exc] * len(group)
        finally:
            self.commits += 1
        with self._lock:
            for waiting, outcome in zip(group, outcomes, strict=True):
                waiting.outcome, waiting.done = outcome, True
                waiting.woken.set()
            if self._queue:
                self._queue[0].woken.set()  # not done: it leads next
            else:
                self._leading = False

    def _take(self) -> list[_Waiting[Unit, Result]]:
        """Units from the front of the queue while their weights fit; always at least the first."""
        with self._lock:
            group = [self._queue.popleft()]
            weight = group[0].weight
            while self._queue and weight + self._queue[0].weight <= self._max_weight:
                weight += self._queue[0].weight
                group.append(self._queue.popleft())
            return group
