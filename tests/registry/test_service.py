"""The registry's unit of work under concurrency: submissions that arrive together commit together, and a
refused one is rolled back alone."""

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.core.errors import StoreError
from ledger.store.log import MAX_BATCH
from registry.errors import ConflictError, NotAllowedError, UnknownReferenceError
from registry.held import RegCustodialKey
from registry.service import Registry
from registry.tables import RegBatch
from tests.checks import wait_until
from tests.registry.conftest import (
    PRODUCER,
    ROOT,
    gtin,
    live_digest,
    log_size,
    make_batch,
    make_organisation,
    replayed_digest,
    rows,
)


class Submitter(threading.Thread):
    """Calls one registry method in a thread of its own, keeping what it returned or raised."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as exc:  # the test looks at what each submitter raised
            self.error = exc


class TestGroupCommit:
    """Submissions queued behind a running commit are checked and appended together in the next one."""

    def test_a_group_appends_its_accepted_submissions_under_one_checkpoint_and_rolls_back_each_refusal(
        self, registry: Registry, producer: str, tmp_path: Path
    ) -> None:
        group = registry.group
        size, commits = log_size(registry), group.commits
        new_org = make_organisation("coop-moi")[1]
        other_org = make_organisation("coop-khac")[1]
        # In the order they queue: the first leads a commit of its own; the rest wait and form one group.
        calls: list[Callable[[], Any]] = [
            lambda: registry.submit_as(PRODUCER, [make_batch(lot="A")]),
            # Its first statement is applied before its second is refused: the savepoint undoes both.
            lambda: registry.submit_as(PRODUCER, [make_batch(lot="B1"), make_batch(lot="B2", gtin=gtin(999))]),
            lambda: registry.submit_as(PRODUCER, [make_batch(lot="D")]),
            # A producer may not register organisations: the custodial key made for it goes too.
            lambda: registry.register_with_custodial_key(PRODUCER, new_org),
            lambda: registry.register_with_custodial_key(ROOT, other_org),
            # The same lot as a submission earlier in the same group: its projection is already visible.
            lambda: registry.submit_as(PRODUCER, [make_batch(lot="D")]),
        ]
        submitters = [Submitter(call) for call in calls]
        with registry.log.store.write():  # hold the log's write lock while the submissions queue
            submitters[0].start()
            wait_until(lambda: group.leading and group.waiting == 0, 10, "the first submission leads")
            for queued, submitter in enumerate(submitters[1:], start=1):
                submitter.start()
                wait_until(lambda n=queued: group.waiting == n, 10, f"{queued} submissions wait")  # type: ignore[misc]
        for submitter in submitters:
            submitter.join(30)
        first, refused_batch, accepted_batch, refused_org, accepted_org, duplicate = submitters

        assert group.commits == commits + 2
        assert [r.index for r in first.result] == [size]
        assert [r.index for r in accepted_batch.result] == [size + 1]
        assert accepted_org.result.index == size + 2
        assert log_size(registry) == size + 3
        assert accepted_batch.result[0].checkpoint == accepted_org.result.checkpoint
        assert accepted_org.result.checkpoint.checkpoint.size == size + 3
        assert isinstance(refused_batch.error, UnknownReferenceError)
        assert refused_batch.error.position == 1
        assert isinstance(refused_org.error, NotAllowedError)
        assert isinstance(duplicate.error, ConflictError)
        assert duplicate.error.code == "duplicate-lot"

        assert sorted(r["lot"] for r in rows(registry, RegBatch)) == ["A", "D"]
        assert rows(registry, RegCustodialKey, organisation="coop-moi") == []
        assert len(rows(registry, RegCustodialKey, organisation="coop-khac")) == 1
        assert replayed_digest(registry, tmp_path) == live_digest(registry)

    def test_a_lone_submission_is_refused_without_a_group(self, registry: Registry, producer: str) -> None:
        size, commits = log_size(registry), registry.group.commits
        with pytest.raises(UnknownReferenceError):
            registry.submit_as(PRODUCER, [make_batch(lot="X", gtin=gtin(999))])
        assert (log_size(registry), registry.group.commits) == (size, commits + 1)

    def test_submissions_that_queue_behind_one_commit_all_land_in_the_next(self, registry: Registry, producer: str,
                                                                            tmp_path: Path) -> None:
        group = registry.group
        size, commits = log_size(registry), group.commits
        submitters = [Submitter(lambda i=i: registry.submit_as(PRODUCER, [make_batch(lot=f"C{i}")]))  # type: ignore[misc]
                      for i in range(40)]
        with registry.log.store.write():
            submitters[0].start()
            wait_until(lambda: group.leading and group.waiting == 0, 10, "the first submission leads")
            for submitter in submitters[1:]:
                submitter.start()
            wait_until(lambda: group.waiting == 39, 10, "39 submissions wait")
        for submitter in submitters:
            submitter.join(60)
        assert [s.error for s in submitters] == [None] * 40
        assert sorted(r.index for s in submitters for r in s.result) == list(range(size, size + 40))
        assert group.commits == commits + 2
        assert len({r.checkpoint.note for s in submitters for r in s.result}) == 2
        assert replayed_digest(registry, tmp_path) == live_digest(registry)


class TestOnCommit:
    """Whoever must hear of new checkpoints (the witnessing submitter) is told after each commit that appended."""

    def test_is_called_after_each_commit_that_appended_and_not_after_a_refusal(self, registry: Registry,
                                                                               producer: str) -> None:
        calls: list[int] = []
        told = Registry(registry.log, registry.custody, on_commit=lambda: calls.append(log_size(registry)))
        size = log_size(registry)
        told.submit_as(PRODUCER, [make_batch(lot="T1"), make_batch(lot="T2")])
        assert calls == [size + 2], "told once, after the commit was visible"
        with pytest.raises(UnknownReferenceError):
            told.submit_as(PRODUCER, [make_batch(lot="T3", gtin=gtin(999))])
        assert calls == [size + 2]


class TestRefusals:
    """`refusals_as` finds every refusal of a submission, each statement judged after the accepted ones before it,
    and appends nothing."""

    def test_every_refusal_is_found_and_nothing_is_appended(self, registry: Registry, producer: str,
                                                             tmp_path: Path) -> None:
        size, digest = log_size(registry), live_digest(registry)
        drafts = [make_batch(lot="A"), make_batch(lot="X", gtin=gtin(999)), make_batch(lot="A"),
                  make_batch(lot="B"), make_batch(lot="B")]
        refusals = registry.refusals_as(PRODUCER, drafts)
        assert [(r.position, r.code) for r in refusals] == [(1, "unknown-product"), (2, "duplicate-lot"),
                                                            (4, "duplicate-lot")]
        assert (log_size(registry), live_digest(registry)) == (size, digest)
        assert registry.refusals_as(PRODUCER, [drafts[0], drafts[3]]) == []
        assert len(registry.submit_as(PRODUCER, [drafts[0], drafts[3]])) == 2
        assert replayed_digest(registry, tmp_path) == live_digest(registry)

    def test_a_refusal_of_the_whole_submission_is_raised(self, registry: Registry, producer: str) -> None:
        size = log_size(registry)
        with pytest.raises(NotAllowedError) as caught:
            registry.refusals_as("nobody", [make_batch(lot="A")])
        assert (caught.value.code, caught.value.position, log_size(registry)) == ("no-custodial-key", None, size)

    def test_a_check_grouped_with_submissions_leaves_them_to_append(self, registry: Registry, producer: str) -> None:
        group = registry.group
        size, commits = log_size(registry), group.commits
        submitters = [Submitter(lambda: registry.submit_as(PRODUCER, [make_batch(lot="G0")])),
                      Submitter(lambda: registry.refusals_as(PRODUCER, [make_batch(lot="G1"), make_batch(lot="G1")])),
                      Submitter(lambda: registry.submit_as(PRODUCER, [make_batch(lot="G1")]))]
        with registry.log.store.write():
            submitters[0].start()
            wait_until(lambda: group.leading and group.waiting == 0, 10, "the first submission leads")
            for waiting, submitter in enumerate(submitters[1:], start=1):
                submitter.start()  # queued in this order: the check, then a submission of the lot it checked
                wait_until(lambda waiting=waiting: group.waiting == waiting, 10, f"{waiting} submissions wait")
        for submitter in submitters:
            submitter.join(60)
        assert [s.error for s in submitters] == [None] * 3
        assert [(r.position, r.code) for r in submitters[1].result] == [(1, "duplicate-lot")]
        assert [r.index for r in submitters[2].result] == [size + 1]
        assert (log_size(registry), group.commits) == (size + 2, commits + 2)


class TestSubmissionSize:
    """A submission holds 1 to MAX_BATCH statements; anything else is refused before any work."""

    @pytest.mark.parametrize("count", [0, MAX_BATCH + 1])
    def test_an_empty_or_oversized_submission_is_refused_and_appends_nothing(self, registry: Registry,
                                                                             producer: str, count: int) -> None:
        size, commits = log_size(registry), registry.group.commits
        with pytest.raises(StoreError, match=f"1 to {MAX_BATCH} statements, got {count}"):
            registry.submit_as(PRODUCER, [make_batch(lot=f"S{i}") for i in range(count)])
        assert (log_size(registry), registry.group.commits) == (size, commits)
