"""Group commit: concurrent units share commits, each submitter gets its own outcome, and nothing is lost."""

import threading
import time
from collections.abc import Sequence

import pytest

from ledger.store.group import GroupCommit


class Recorder:
    """A commit that doubles each unit (or fails the ones it is told to), remembering every group."""

    def __init__(self, pause: float = 0.0, refuse: frozenset[int] = frozenset(), fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.pause = pause
        self.refuse = refuse
        self.fail_on = fail_on
        self.inside = 0
        self.overlapped = False
        self._lock = threading.Lock()

    def __call__(self, units: Sequence[int]) -> list[int | BaseException]:
        with self._lock:
            self.inside += 1
            self.overlapped |= self.inside > 1
            self.groups.append(list(units))
        try:
            time.sleep(self.pause)
            if self.fail_on in units:
                raise OSError(f"the disk is full while committing {self.fail_on}")
            return [ValueError(f"unit {u} refused") if u in self.refuse else u * 2 for u in units]
        finally:
            with self._lock:
                self.inside -= 1


def run_concurrently(group: GroupCommit[int, int], units: Sequence[int],
                     weights: Sequence[int] | None = None) -> dict[int, int | BaseException]:
    """Submit every unit from its own thread at once; what each submitter got back."""
    outcomes: dict[int, int | BaseException] = {}
    start = threading.Barrier(len(units))

    def submit(unit: int, weight: int) -> None:
        start.wait()
        try:
            outcomes[unit] = group.run(unit, weight)
        except Exception as exc:  # the test looks at what each submitter raised
            outcomes[unit] = exc

    threads = [threading.Thread(target=submit, args=(u, 1 if weights is None else weights[i]))
               for i, u in enumerate(units)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a submitter never got its outcome"
    return outcomes


class TestGroupCommit:
    """Concurrent units are committed together; alone, each is committed at once."""

    def test_a_lone_submitter_commits_its_own_unit_at_once(self) -> None:
        commit = Recorder()
        group = GroupCommit[int, int](commit, max_weight=100)
        assert [group.run(u) for u in range(5)] == [0, 2, 4, 6, 8]
        assert commit.groups == [[0], [1], [2], [3], [4]]
        assert group.commits == 5

    def test_concurrent_units_share_commits_and_each_submitter_gets_its_own_result(self) -> None:
        commit = Recorder(pause=0.005)
        group = GroupCommit[int, int](commit, max_weight=1000)
        units = list(range(200))
        outcomes = run_concurrently(group, units)
        assert outcomes == {u: u * 2 for u in units}
        assert sorted(u for g in commit.groups for u in g) == units, "a unit was lost or committed twice"
        assert len(commit.groups) < len(units) / 4, f"{len(commit.groups)} commits for {len(units)} units"
        assert not commit.overlapped, "two groups were committed at the same time"
        assert (group.waiting, group.leading) == (0, False)

    def test_a_refused_unit_is_raised_by_its_submitter_only(self) -> None:
        commit = Recorder(pause=0.005, refuse=frozenset({7, 13}))
        group = GroupCommit[int, int](commit, max_weight=1000)
        outcomes = run_concurrently(group, list(range(40)))
        refused = {u: str(o) for u, o in outcomes.items() if isinstance(o, BaseException)}
        assert refused == {7: "unit 7 refused", 13: "unit 13 refused"}
        assert all(outcomes[u] == u * 2 for u in outcomes if u not in refused)

    def test_a_failed_commit_is_raised_by_every_submitter_of_its_group_and_later_groups_go_on(self) -> None:
        commit = Recorder(pause=0.005, fail_on=5)
        group = GroupCommit[int, int](commit, max_weight=1000)
        outcomes = run_concurrently(group, list(range(60)))
        failed_group = next(g for g in commit.groups if 5 in g)
        failed = {u for u, o in outcomes.items() if isinstance(o, OSError)}
        assert failed == set(failed_group)
        assert all(outcomes[u] == u * 2 for u in outcomes if u not in failed)
        assert group.run(100) == 200

    def test_groups_never_weigh_more_than_the_limit_and_a_heavier_unit_goes_alone(self) -> None:
        commit = Recorder(pause=0.002)
        group = GroupCommit[int, int](commit, max_weight=10)
        units = list(range(50))
        weights = [25 if u == 17 else 1 + u % 4 for u in units]
        outcomes = run_concurrently(group, units, weights)
        assert outcomes == {u: u * 2 for u in units}
        assert [17] in commit.groups
        assert all(sum(weights[u] for u in g) <= 10 for g in commit.groups if g != [17])

    def test_commit_returning_the_wrong_number_of_outcomes_fails_the_group(self) -> None:
        group = GroupCommit[int, int](lambda units: [], max_weight=10)
        with pytest.raises(RuntimeError, match="0 outcomes for 1 units"):
            group.run(1)
