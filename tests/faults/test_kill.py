"""kill -9 of a random stage (crawler, extract, process) at random moments, each restarted; the real crawler
fetches the generated portals twice (first crawl, then a re-crawl where some pages were revised)."""

from __future__ import annotations

import random
import threading
import time

import pytest

from consumers.adapters.kafka import ensure_topics
from deploy.broker import EmbeddedBroker
from tests.faults.harness import Stack
from tests.faults.scenario import failure_message, settle_and_compare
from tests.kafka_helpers import unique_settings
from tests.pagegen import PortalServer

pytestmark = [pytest.mark.faults, pytest.mark.timeout(3600)]


class Killer(threading.Thread):
    """Kills a random stage process (extract or process) every few seconds until its budget is spent, restarting
    it after a short random pause. Every kill must show as a failed scrape of the stage's /metrics endpoint,
    and the restarted stage's endpoint must come back. (The crawler is killed by the crawl loop, mid-crawl.)"""

    def __init__(self, stack: Stack, kills: int, every_s: tuple[float, float], seed: int) -> None:
        super().__init__(daemon=True, name="killer")
        self.stack = stack
        self.budget = kills
        self.every_s = every_s
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.done = 0
        self.problems: list[str] = []
        self.plan = ["extract", "process"] + [self.rng.choice(["extract", "process"]) for _ in range(max(0, kills - 2))]
        self.rng.shuffle(self.plan)

    def run(self) -> None:
        while self.done < self.budget and not self.stop_event.is_set():
            if self.stop_event.wait(self.rng.uniform(*self.every_s)):
                return
            target = self.plan[self.done]
            with self.lock:
                if not self.stack.kill(target):
                    continue
                self.done += 1
                if self.stack.scrape(target) is not None:
                    self.problems.append(f"{target} metrics endpoint still answers after kill -9")
            time.sleep(self.rng.uniform(0.0, 1.5))
            with self.lock:
                self.stack.start_stage(target)
                self.stack.note(f"restarted {target}")
            if not self.stack.wait_metrics_up(target, 60):
                self.problems.append(f"{target} metrics endpoint not up 60s after restart")


def _crawl_until_complete(stack: Stack, lock: threading.Lock, portals, problems: list[str], timeout_s: float, *,
                          progress, kill_at: list[float]) -> int:
    """Crawl until one crawl completes with exit 0; kill -9 the crawler when the current crawl has fetched each
    share in `kill_at` of the corpus (one kill per crawl). Returns the number of crawler kills."""
    deadline = time.monotonic() + timeout_s
    kill_at = list(kill_at)
    kills = 0
    while time.monotonic() < deadline:
        with lock:
            proc = stack.start_crawler(portals)
            popen = proc.popen
        start = progress()
        stack.note(f"crawl started (pid {popen.pid})")
        while popen.poll() is None:
            if kill_at and progress() - start >= kill_at[0]:
                with lock:
                    if stack.kill("crawler"):
                        kills += 1
                        stack.note(f"crawler killed after fetching {progress() - start:.0%} of the pages")
                kill_at.pop(0)
            proc.sample_rss()
            time.sleep(0.02)
        code = popen.returncode
        stack.note(f"crawl exited {code}")
        if code == 0:
            return kills
        if popen.pid in proc.killed_pids:
            continue  # killed by us: crawl again, as the next cycle would
        problems.append(f"crawler exited with {code} without being killed; see {proc.log_path}")
        return kills
    problems.append(f"crawl did not complete within {timeout_s:.0f}s")
    return kills


def test_kill_9_random_stages_loses_and_doubles_nothing(tmp_path, corpus, expected, mode, fault_report):
    started = time.monotonic()
    db_url = f"sqlite:///{tmp_path / 'faults.db'}"
    portals = tmp_path / "portals.yaml"
    problems: list[str] = []
    # A little latency per page (as real portals have) so a crawl lasts long enough to be killed mid-way.
    with EmbeddedBroker() as broker, PortalServer(corpus, delay_s=0.05) as site:
        portals.write_text(corpus.registry_yaml(site.base_url))
        settings = unique_settings(broker.bootstrap_servers, database_url=db_url, topic_partitions=3)
        ensure_topics(broker.bootstrap_servers, settings.topics().all(), partitions=3, replication_factor=1)
        with Stack(tmp_path, settings, broker=broker) as stack:
            stack.start_stage("extract")
            stack.start_stage("process")
            rng = random.Random(mode.seed)
            crawler_kills = max(1, mode.kills // 3)
            killer = Killer(stack, mode.kills - crawler_kills, mode.kill_every_s, mode.seed)
            killer.start()

            def progress() -> float:  # share of the corpus fetched so far (all crawls)
                return sum(site.requests.values()) / len(corpus.stories)

            plan = {0: [], 1: []}
            for _ in range(crawler_kills):
                plan[rng.choice((0, 1))].append(rng.uniform(0.05, 0.8))
            for phase in (0, 1):
                site.set_phase(phase)
                stack.note(f"site serves phase {phase}")
                _crawl_until_complete(stack, killer.lock, portals, problems, mode.drain_timeout_s * 4,
                                      progress=progress, kill_at=plan[phase])
            # Spend the rest of the kill budget while the stages still work through the re-crawl.
            killer.join(mode.kill_every_s[1] * (mode.kills + 2) + 120)
            killer.stop_event.set()
            if killer.done < killer.budget:
                problems.append(f"only {killer.done} of {killer.budget} stage kills happened")
            never = [n for n in ("crawler", "extract", "process") if not stack.procs.get(n) or not stack.procs[n].kills]
            if never:
                problems.append(f"harness: no kill of {never} happened (the scenario did not test them)")
            problems += killer.problems
            more, info = settle_and_compare(stack, expected, db_url, drain_timeout_s=mode.drain_timeout_s)
            problems += more
            info["crawl_requests"] = sum(site.requests.values())
        summary = stack.summary()
    fault_report.append({"scenario": "kill -9", "mode": mode.name, "pages_sent": 2 * len(corpus.stories),
                         "seconds": round(time.monotonic() - started, 1), **info, **summary, "problems": problems})
    assert not problems, failure_message("kill -9 of random stages", problems, stack)
