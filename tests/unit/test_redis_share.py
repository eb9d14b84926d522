"""The scale-out's pieces on their own: claims (the shared seen set), the shared queue with what each process took,
requeueing a dead process's work, poll leases, the JSON request serializer, and the spider's claim-then-check.

The Redis tests use the local Redis (NEWSINGEST_TEST_REDIS_URL, default redis://127.0.0.1:6379/0) under a key
prefix of their own, deleted afterwards; leases of a few hundred milliseconds stand in for a fake clock."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import scrapy

from crawlers.scale import RedisUnavailable, redact_url, serializer
from crawlers.scale.claims import LocalClaims

REDIS_URL = os.environ.get("NEWSINGEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client():
    from crawlers.scale.redis_share import connect

    try:
        client = connect(REDIS_URL, timeout_s=2)
    except RedisUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(str(exc))
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    name = f"nstest-{uuid.uuid4().hex[:10]}:crawler"
    yield name
    keys = list(redis_client.scan_iter(match=f"{name}:*", count=500))
    if keys:
        redis_client.delete(*keys)


def share(client, prefix, owner, lease_s=30.0, claim_ttl_s=3600.0):
    from crawlers.scale.redis_share import RedisShare

    return RedisShare(client, prefix, owner=owner, lease_s=lease_s, claim_ttl_s=claim_ttl_s)


class Spider(scrapy.Spider):
    name = "watch"

    def parse(self, response, **kwargs):
        pass

    def failed(self, failure):
        pass


# -- pure pieces -----------------------------------------------------------------------------------------------
def test_redact_url_hides_only_the_password():
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact_url("redis://:s3cret@redis.internal:6380/2") == "redis://:***@redis.internal:6380/2"
    assert redact_url("rediss://crawler:s3cret@[::1]/0") == "rediss://crawler:***@[::1]/0"


def test_local_claims_are_the_one_process_in_flight_set():
    claims = LocalClaims()
    assert not claims.shared
    assert claims.claim(["a", "b"]) == ["a", "b"]
    assert claims.claim(["b", "c"]) == ["c"]
    claims.release("b")
    assert claims.claim(["b"]) == ["b"] and "a" in claims and len(claims) == 3


def test_a_request_survives_the_json_serializer():
    spider = Spider()
    request = scrapy.Request("https://tinh.gov.vn/tin-tuc/hội-nghị.html", callback=spider.parse, errback=spider.failed,
                             meta={"portal_id": "p1", "kind": "article", "claim": "https://tinh.gov.vn/x",
                                   "validators": {"etag": '"abc"', "last_modified": None}, "n": (1, 2.5)},
                             headers={"If-None-Match": '"abc"'}, body=b"\x00\xff", priority=10, dont_filter=True)
    data = serializer.dumps(request.to_dict(spider=spider))
    assert isinstance(data, bytes) and b"pickle" not in data
    from scrapy.utils.request import request_from_dict

    back = request_from_dict(serializer.loads(data), spider=spider)
    assert back.url == request.url and back.body == b"\x00\xff" and back.priority == 10 and back.dont_filter
    assert back.callback == spider.parse and back.errback == spider.failed
    assert back.headers.get("If-None-Match") == b'"abc"'
    assert back.meta["validators"] == {"etag": '"abc"', "last_modified": None} and back.meta["n"] == [1, 2.5]


def test_the_serializer_refuses_live_objects():
    with pytest.raises(TypeError, match="shared request queue"):
        serializer.dumps({"meta": {"callback": object()}})


def test_an_unreachable_redis_is_one_line_without_the_password():
    from crawlers.scale.redis_share import connect

    with pytest.raises(RedisUnavailable) as info:
        connect("redis://:hunter2@127.0.0.1:1/0", timeout_s=1)
    message = str(info.value)
    assert "hunter2" not in message and "redis://:***@127.0.0.1:1/0" in message and "\n" not in message


# -- claims: the shared seen set ---------------------------------------------------------------------------------
def test_a_page_is_claimed_by_one_process_until_released(redis_client, prefix):
    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    assert a.claim(["u1", "u2"]) == ["u1", "u2"]
    assert b.claim(["u2", "u3"]) == ["u3"]
    b.release("u1")  # not B's: nothing happens
    assert a.holder("u1") == "q|A"
    a.release("u1")
    assert b.claim(["u1"]) == ["u1"]


def test_a_claim_nobody_releases_expires(redis_client, prefix):
    a = share(redis_client, prefix, "A", lease_s=0.1, claim_ttl_s=0.3)
    b = share(redis_client, prefix, "B", lease_s=0.1, claim_ttl_s=0.3)
    assert a.claim(["u"]) == ["u"] and b.claim(["u"]) == []
    time.sleep(0.4)
    assert b.claim(["u"]) == ["u"]


# -- the shared queue ----------------------------------------------------------------------------------------------
def test_the_process_that_pops_a_request_takes_its_claim(redis_client, prefix):
    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    a.claim(["u1", "u2"])
    a.push("u1", b"one", priority=0)
    a.push("u2", b"two", priority=10)  # higher priority first
    assert a.queued() == 2
    assert b.take()[::2] == (True, b"two")
    assert b.holder("u2") == "t|B" and b.holds("u2") and not a.holds("u2")
    assert a.take()[::2] == (True, b"one")
    assert a.take() is None
    b.release("u2")
    assert b.holder("u2") is None and not b.holds("u2")
    assert redis_client.hlen(f"{prefix}:taken:B") == 0


def test_a_duplicate_of_a_page_in_flight_elsewhere_is_dropped(redis_client, prefix):
    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    a.claim(["u"])
    a.push("u", b"again")  # equal scores pop in member order: "again" first
    a.push("u", b"first")  # e.g. queued again after its claim expired
    assert b.take()[::2] == (True, b"again")
    assert a.take()[::2] == (False, b"first")  # B is fetching it: A drops the duplicate
    assert b.holder("u") == "t|B" and a.queued() == 0


def test_a_dead_process_s_taken_requests_go_back_to_the_queue(redis_client, prefix):
    dead = share(redis_client, prefix, "dead", lease_s=0.3)
    alive = share(redis_client, prefix, "alive", lease_s=0.3)
    dead.heartbeat()
    alive.heartbeat()
    alive.claim(["u1", "u2"])
    alive.push("u1", b"one", priority=10)
    alive.push("u2", b"two")
    assert dead.take()[::2] == (True, b"one") and dead.take()[::2] == (True, b"two")
    dead.release("u2")  # finished before it died
    assert alive.requeue_dead() == 0  # still alive: nothing moves
    time.sleep(0.2)
    alive.heartbeat()
    time.sleep(0.2)  # dead's liveness has expired, alive's has not
    assert alive.requeue_dead() == 1
    assert alive.holder("u1") == "q|dead" and alive.queued() == 1
    assert alive.take()[::2] == (True, b"one")
    assert alive.requeue_dead() == 0 and not redis_client.sismember(f"{prefix}:owners", "dead")


def test_closing_hands_back_what_was_taken_and_not_finished(redis_client, prefix):
    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    a.heartbeat()
    b.claim(["u"])
    b.push("u", b"page")
    assert a.take()[::2] == (True, b"page")
    assert a.close() == 1
    assert b.take()[::2] == (True, b"page") and b.holder("u") == "t|B"


def test_queue_members_survive_shared_queue_encoding(redis_client, prefix):
    from crawlers.scale.scheduler import SharedQueue

    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    spider = Spider()
    queue_a = SharedQueue(redis_client, spider, a.key("queue"), serializer=serializer, share=a)
    queue_b = SharedQueue(redis_client, spider, b.key("queue"), serializer=serializer, share=b)
    url = "https://tinh.gov.vn/tin-tuc/tin-1.html"
    a.claim([url])
    queue_a.push(scrapy.Request(url, callback=spider.parse, errback=spider.failed, priority=10, dont_filter=True,
                                meta={"claim": url, "portal_id": "p1", "kind": "article"}))
    assert len(queue_b) == 1
    request = queue_b.pop()
    assert request.url == url and request.callback == spider.parse and request.meta["claim"] == url
    assert b.holds(url) and queue_b.pop() is None


# -- poll leases: the shared schedule --------------------------------------------------------------------------------
def test_one_process_polls_a_portal_and_a_lease_expires_unless_renewed(redis_client, prefix):
    a = share(redis_client, prefix, "A", lease_s=0.3)
    b = share(redis_client, prefix, "B", lease_s=0.3)
    assert a.acquire_polls(["p1", "p2"]) == ["p1", "p2"]
    assert b.acquire_polls(["p1", "p2", "p3"]) == ["p3"]
    for _ in range(3):  # renewed: still A's after longer than one lease
        time.sleep(0.15)
        assert a.renew_polls(["p1"]) == []
    assert b.acquire_polls(["p1"]) == [] and a.poll_holder("p1") == "A"
    assert b.acquire_polls(["p2"]) == ["p2"]  # not renewed: expired, B takes it over
    assert a.renew_polls(["p2"]) == ["p2"]  # A learns it lost it
    a.release_polls(["p2"])  # not A's any more: B keeps it
    assert a.poll_holder("p2") == "B"
    a.release_polls(["p1"])
    assert b.acquire_polls(["p1"]) == ["p1"]


# -- the spider's claim-then-check ------------------------------------------------------------------------------------
class _Claims(LocalClaims):
    shared = True


class _Record:
    def __init__(self, url):
        self.url, self.etag, self.last_modified = url, None, None

    def policy_state(self):
        from crawlers.watch.policy import ArticleState

        return ArticleState(self.url, 100.0, 100.0)


class _State:
    """Reads return no record the first time, then the record another process wrote meanwhile."""

    def __init__(self, recorded_meanwhile):
        self.reads = 0
        self.recorded_meanwhile = recorded_meanwhile

    def articles(self, urls):
        self.reads += 1
        if self.reads == 1:
            return {}
        return {u: _Record(u) for u in urls if u in self.recorded_meanwhile}


def test_a_page_recorded_by_another_process_between_read_and_claim_is_not_asked_for():
    from crawlers.registry import Portal
    from crawlers.spiders.watch import Poll, WatchSpider

    spider = WatchSpider(portals=[])
    spider.claims = _Claims()
    spider.state = _State(recorded_meanwhile={"https://t.vn/a2"})
    spider.clock = lambda: 200.0
    spider.crawler = type("C", (), {"stats": type("S", (), {"inc_value": lambda *a, **k: None})()})()
    portal = Portal(id="p1", name="P1", province="Hà Giang", start_urls=["https://t.vn/tin-tuc/"],
                    article_patterns=["^https://t.vn/a"], allow=["https://t.vn/"])
    poll = Poll(portal, 200.0)
    requests = list(spider._articles(poll, {"https://t.vn/a1": None, "https://t.vn/a2": None}))
    assert [r.url for r in requests] == ["https://t.vn/a1"]
    assert requests[0].meta["detached"] and requests[0].meta["claim"] == "https://t.vn/a1"
    assert poll.outstanding == 0 and poll.new_articles == 1  # shared: articles are not part of the poll
    assert "https://t.vn/a2" not in spider.claims and "https://t.vn/a1" in spider.claims


# -- the scheduler's routing ---------------------------------------------------------------------------------------
def test_the_scheduler_shares_fresh_article_requests_and_keeps_the_rest(redis_client, prefix):
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawlers.scale.scheduler import SharedQueue, SharedScheduler

    a, b = share(redis_client, prefix, "A"), share(redis_client, prefix, "B")
    spider = Spider()

    def scheduler(s):
        made = SharedScheduler(None, s, queue_key=s.key("queue"), serializer=serializer,
                               dupefilter=RFPDupeFilter(redis_client, key=s.key("dupefilter")))
        made.spider = spider
        made.queue = SharedQueue(redis_client, spider, s.key("queue"), serializer=serializer, share=s)
        return made

    sched_a, sched_b = scheduler(a), scheduler(b)
    article = "https://t.vn/tin-tuc/tin-1.html"
    listing = scrapy.Request("https://t.vn/tin-tuc/", callback=spider.parse, dont_filter=True,
                             meta={"portal_id": "p1", "kind": "listing"})
    a.claim([article])
    fresh = scrapy.Request(article, callback=spider.parse, errback=spider.failed, dont_filter=True, priority=10,
                           meta={"portal_id": "p1", "kind": "article", "claim": article})
    assert sched_a.enqueue_request(listing) and sched_a.enqueue_request(fresh)
    assert len(sched_a.local) == 1 and a.queued() == 1  # the listing stays, the article is shared
    assert sched_b.next_request().url == article and b.holds(article)  # B took it
    assert sched_a.next_request().url == listing.url and sched_a.next_request() is None
    retry = fresh.replace(meta={**fresh.meta, "retry_times": 1})
    assert sched_b.enqueue_request(retry) and len(sched_b.local) == 1 and b.queued() == 0  # B's retry stays B's
    assert sched_b.has_pending_requests() and sched_b.next_request().meta["retry_times"] == 1
    assert not sched_b.has_pending_requests()
