"""What a stage returns to the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel


@dataclass(frozen=True)
class Output:
    topic: str
    key: str
    value: BaseModel
    # Called once the broker acknowledged this output, whatever happens to the input's other outputs (a report
    # on the topic is delivered even when its event summary was refused for good).
    on_delivered: Callable[[], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BatchedCallback:
    """A delivery callback whose work the runner may do once for all the inputs of a batch: calling it does
    `run_batch([item])`, and the runner calls `run_batch` once with the items of every such callback of a
    batch that share it (e.g. one write transaction marking a batch's reports delivered, not one per report)."""

    run_batch: Callable[[list], None]
    item: object

    def __call__(self) -> None:
        self.run_batch([self.item])


@dataclass
class StageResult:
    outputs: list[Output] = field(default_factory=list)
    # Called after every output is acknowledged by the broker, before offsets are committed (a
    # BatchedCallback may be run together with the batch's others).
    on_delivered: Callable[[], None] | None = None
    outcome: str = "ok"  # small fixed label for metrics
    dedup_outcome: str | None = None  # new | duplicate | revision | near_duplicate (process stage)
    report_id: str | None = None  # the document's report id, meeting or not (process stage)
    duplicate_of: str | None = None


def acknowledge(result: StageResult) -> None:
    """What the runner does once the broker acknowledged every output of a result: each output's own delivery
    callback (a report marked delivered), then the result's. For code that drives a stage without a runner
    (benchmarks, tests)."""
    for output in result.outputs:
        if output.on_delivered is not None:
            output.on_delivered()
    if result.on_delivered is not None:
        result.on_delivered()


class Rejected(Exception):
    """The message can never succeed; the runner dead-letters it with this reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class Retryable(Exception):
    """A conflict or a passing fault: the runner calls the stage again for the same message."""
