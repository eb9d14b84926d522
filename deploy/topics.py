"""What every newsingest topic should look like, and the admin calls that make a cluster match it.

`newsingest topics ensure` (the init step of compose and Kubernetes) creates missing topics with their
partitions, replication and configs, and sets configs that differ; `topics describe` only reports. Partition
counts are never changed automatically: adding partitions to a keyed topic moves keys to other partitions and
breaks per-key order for subscribers, so a smaller count is reported for an operator to decide.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from schemas.settings import Settings

log = logging.getLogger(__name__)
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]
    purpose: str


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The desired state. Keyed, latest-wins topics are compacted (a subscriber joining late reads every
    report's and event's latest version); raw pages are kept long enough to reprocess after an extractor
    upgrade; dead letters are kept long enough for someone to look at them."""
    topics = settings.topics()
    limit = str(settings.kafka_max_message_bytes)

    def spec(name: str, purpose: str, **configs: str) -> TopicSpec:
        return TopicSpec(name, settings.topic_partitions, settings.topic_replication_factor,
                         {"max.message.bytes": limit, **configs}, purpose)

    compacted = {"cleanup.policy": "compact", "min.compaction.lag.ms": str(3600 * 1000)}
    return [
        spec(topics.raw_pages, "fetched pages (replayable input of extract)", **{
            "cleanup.policy": "delete", "retention.ms": str(30 * DAY_MS)}),
        spec(topics.articles, "extracted articles (input of process)", **{
            "cleanup.policy": "delete", "retention.ms": str(14 * DAY_MS)}),
        spec(topics.meeting_reports, "meeting reports, keyed by report_id, latest version wins", **compacted),
        spec(topics.events, "meeting events, keyed by event_id, latest summary wins", **compacted),
        spec(topics.portal_status, "per-poll portal health, keyed by portal id", **compacted),
        spec(topics.raw_pages_dead_letter, "pages extract could not handle", **{
            "cleanup.policy": "delete", "retention.ms": str(90 * DAY_MS)}),
        spec(topics.articles_dead_letter, "articles process could not handle", **{
            "cleanup.policy": "delete", "retention.ms": str(90 * DAY_MS)}),
    ]


@dataclass
class TopicState:
    spec: TopicSpec
    exists: bool = False
    partitions: int | None = None
    replication_factor: int | None = None
    configs: dict[str, str] | None = None  # None: the broker reported none
    actions: list[str] = field(default_factory=list)

    @property
    def differences(self) -> list[str]:
        if not self.exists:
            return ["missing"]
        out = []
        if self.partitions is not None and self.partitions < self.spec.partitions:
            out.append(f"partitions {self.partitions} < {self.spec.partitions} (not changed automatically)")
        if self.replication_factor is not None and self.replication_factor < self.spec.replication_factor:
            out.append(f"replication {self.replication_factor} < {self.spec.replication_factor}")
        for key, value in self.config_differences().items():
            out.append(f"{key}={value[0]!s} (want {value[1]})")
        return out

    def config_differences(self) -> dict[str, tuple[str | None, str]]:
        if self.configs is None:
            return {}
        return {k: (self.configs.get(k), v) for k, v in self.spec.configs.items() if self.configs.get(k) != v}

    def line(self) -> str:
        state = "missing" if not self.exists else (
            f"{self.partitions} partition(s) x{self.replication_factor}")
        configs = "configs not reported by the broker" if self.configs is None else ", ".join(
            f"{k}={v}" for k, v in sorted(self.configs.items()) if k in self.spec.configs)
        diff = self.differences
        verdict = "ok" if not diff else "DIFFERS: " + "; ".join(diff)
        done = f" [{', '.join(self.actions)}]" if self.actions else ""
        if not self.exists:
            return f"{self.spec.name}: missing{done}"
        return f"{self.spec.name}: {state}; {configs}; {verdict}{done}"


def admin_client(bootstrap: str, settings: Settings | None = None, timeout_s: float = 30.0) -> KafkaAdminClient:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="newsingest-admin",
                                    **(settings.kafka_client_config() if settings else {}))
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def describe(admin: KafkaAdminClient, specs: list[TopicSpec]) -> list[TopicState]:
    existing = set(admin.list_topics())
    states = [TopicState(spec, exists=spec.name in existing) for spec in specs]
    present = [s for s in states if s.exists]
    if not present:
        return states
    for meta in admin.describe_topics([s.spec.name for s in present]):
        state = next(s for s in present if s.spec.name == meta["name"])
        state.partitions = len(meta["partitions"])
        state.replication_factor = min((len(p["replica_nodes"]) for p in meta["partitions"]), default=None)
    answer = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, s.spec.name, configs=None)
                                     for s in present], config_filter="all")
    reported = answer.get("topic", {}) if isinstance(answer, dict) else {}
    for state in present:
        configs = reported.get(state.spec.name)
        if isinstance(configs, dict) and configs:
            state.configs = {k: str(v.get("value")) if isinstance(v, dict) else str(v) for k, v in configs.items()}
    return states


def ensure(admin: KafkaAdminClient, specs: list[TopicSpec], alter: bool = True) -> list[TopicState]:
    """Create what is missing and (`alter`) set configs that differ; idempotent. Returns the state after,
    with what was done."""
    before = {s.spec.name: s for s in describe(admin, specs)}
    missing = [s.spec for s in before.values() if not s.exists]
    if missing:
        try:
            admin.create_topics([NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs)
                                 for s in missing])
        except TopicAlreadyExistsError:  # another init step won the race
            pass
        log.info("created topics %s", [s.name for s in missing])
    to_alter = {name: s.config_differences() for name, s in before.items()
                if alter and s.exists and s.config_differences()}
    if to_alter:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name,
                                            configs={k: want for k, (_, want) in diff.items()})
                             for name, diff in to_alter.items()], incremental=True)
    after = describe(admin, specs)
    for state in after:
        if state.spec.name in {s.name for s in missing}:
            state.actions.append("created")
        if state.spec.name in to_alter:
            state.actions.append("configs set: " + ", ".join(sorted(to_alter[state.spec.name])))
    return after


def ensure_all(settings: Settings, bootstrap: str, alter: bool = False) -> list[TopicState]:
    """Every topic of these settings, as topic_specs() describes them. A stage's start only creates what is
    missing (configs an operator changed on purpose stay); `topics ensure` also sets configs that differ."""
    admin = admin_client(bootstrap, settings)
    try:
        return ensure(admin, topic_specs(settings), alter=alter)
    finally:
        admin.close()
