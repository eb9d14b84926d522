"""Process stage: Article -> (exact duplicate? done) -> classify -> deduplicate -> store -> MeetingReport
(+ EventSummary)."""

from __future__ import annotations

import datetime as dt

from consumers.domain import dedup, events, neardup
from consumers.domain.dedup import LockOrderConflict, StoreConflict
from consumers.domain.analysis import analyse, default_classifier
from consumers.domain.classification import Classification, MeetingClassifier
from consumers.domain.facts import MeetingFacts
from consumers.domain.provinces import load_provinces
from consumers.stages.base import BatchedCallback, Output, Retryable, StageResult
from schemas import Article, EventSummary, MeetingReport, MeetingType

# Restarts of one article's unit of work to take a lock it found it needed late (see UnitOfWork.lock).
_LOCK_RESTARTS = 3


def build_report(article: Article, classification: Classification, facts: MeetingFacts,
                 decision: dedup.DedupDecision, event_id: str | None) -> MeetingReport:
    provinces = load_provinces()
    return MeetingReport(
        report_id=decision.report_id, version=decision.version, url=article.url, title=article.title,
        lead=article.lead, text=article.text, portal_id=article.portal_id, province=article.province,
        province_current=provinces.current(article.province),
        meeting_type=MeetingType(classification.meeting_type), meeting_date=facts.meeting_date,
        confidence=round(classification.confidence, 4), evidence=classification.evidence,
        dedup_outcome=decision.outcome, duplicate_of=decision.duplicate_of, similarity=decision.similarity,
        event_id=event_id, published_at=article.published_at, fingerprint=article.fingerprint,
        presiding=facts.presiding, participants=facts.participants, ordinal=facts.ordinal, term=facts.term,
        tenure=facts.tenure, documents=facts.documents, figures=facts.figures,
        added_paragraphs=decision.added_paragraphs, removed_paragraphs=decision.removed_paragraphs,
    )


def event_lock_names(scope: str, meeting_date: dt.date) -> list[str]:
    """The locks of an event assignment on `meeting_date` in `scope`: events.choose_event reads the scope's events
    of the day before to the day after, and writes one of the day."""
    return [f"event|{scope}|{(meeting_date + dt.timedelta(days=d)).isoformat()}" for d in (-1, 0, 1)]


class ProcessStage:
    """`store` is the storage port: `reader()`, `unit_of_work(lock_names)` and `mark_delivered()`
    (consumers.adapters.store.Store)."""

    name = "process"
    input_model = Article

    def __init__(self, *, store, reports_topic: str, events_topic: str,
                 classifier: MeetingClassifier | None = None, near_index=None, metrics=None) -> None:
        self.store = store
        self.reports_topic = reports_topic
        self.events_topic = events_topic
        self.classifier = classifier or default_classifier()
        self.near_index = near_index
        self.metrics = metrics

    def __call__(self, article: Article) -> StageResult:
        # Unchanged (a re-crawl, a replay): its fingerprint is stored already. Decided before anything is
        # computed, on a read-only transaction (no write lock); the write below checks again under its locks.
        with self.store.reader() as uow:
            exact = uow.find_exact(article.canonical_url, article.portal_id, article.fingerprint)
            if exact is not None:
                return self._duplicate(uow, exact, article)
        analysis = analyse(article.title, article.text, article.published_at, article.province, self.classifier)
        classification, facts = analysis.classification, analysis.facts
        values = None
        if self.near_index is not None:
            values = neardup.signature_values(article.near_signature, article.text)
        band_values = neardup.bands_of(values) if values is not None else None
        scope = self._scope(article, classification.meeting_type) if classification.meeting_type else None
        locks = self._lock_names(article, classification, facts, band_values, scope)
        try:
            for attempt in range(_LOCK_RESTARTS + 1):
                try:
                    return self._store(article, classification, facts, values, band_values, locks, scope)
                except LockOrderConflict as exc:
                    if attempt == _LOCK_RESTARTS:
                        raise Retryable(str(exc)) from exc
                    locks = locks | exc.keys
        except StoreConflict as exc:
            # Another replica stored this document between our read and our write: decide again.
            raise Retryable(f"concurrent write: {exc}") from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _lock_names(article: Article, classification: Classification, facts: MeetingFacts,
                    band_values: list[int] | None, scope: str | None = None) -> frozenset[str]:
        """What this article's decisions read that another replica could be writing: its URL (versions), its
        fingerprint (exact duplicates), its band keys (every near-duplicate candidate shares one) and, for a
        meeting report, its event keys."""
        names = {f"url|{article.canonical_url}", f"fingerprint|{article.fingerprint}"}
        if band_values is not None:
            names.update(f"band|{i}|{value}" for i, value in enumerate(band_values))
        if classification.is_meeting_report and facts.meeting_date is not None and classification.meeting_type:
            if scope is None:
                scope = ProcessStage._scope(article, classification.meeting_type)
            names.update(event_lock_names(scope, facts.meeting_date))
        return frozenset(names)

    @staticmethod
    def _scope(article: Article, meeting_type: str) -> str:
        """The event scope: national, or the article's province (consumers.domain.events)."""
        national = events.is_national(meeting_type, article.title, article.text)
        return events.event_scope(meeting_type, article.province, national)

    def _duplicate(self, uow, exact, article: Article) -> StageResult:
        """An exact duplicate stores nothing. If its report was stored but never acknowledged (a crash between
        the store's commit and the broker's answer), it is published again."""
        outputs: list[Output] = []
        decision = dedup.decide(canonical_url=article.canonical_url, portal_id=article.portal_id,
                                fingerprint=article.fingerprint, paragraphs=[], exact=exact,
                                latest_same_url=None, near=None)
        if exact.report_delivered is False:
            pending = uow.undelivered_report(decision.report_id, decision.version)
            if pending is not None:
                outputs.append(self._report_output(pending, article))
                if pending.event_id:
                    summary = self._summary(uow, pending.event_id, pending.meeting_type.value,
                                            pending.meeting_date)
                    outputs.append(Output(self.events_topic, summary.event_id, summary))
        return self._result(outputs, "duplicate", decision, article)

    def _store(self, article: Article, classification: Classification, facts: MeetingFacts, values,
               band_values, locks: frozenset[str], scope: str | None) -> StageResult:
        outputs: list[Output] = []
        paragraphs = [p for p in article.text.split("\n") if p]
        with self.store.unit_of_work(locks) as uow:
            exact = uow.find_exact(article.canonical_url, article.portal_id, article.fingerprint)
            if exact is not None:  # stored by another replica since the read above
                return self._duplicate(uow, exact, article)
            latest = uow.latest_for_url(article.canonical_url)
            near = None
            if latest is None and values is not None:
                near = self.near_index.lookup(uow, values, article.canonical_url, band_values)
            decision = dedup.decide(
                canonical_url=article.canonical_url, portal_id=article.portal_id,
                fingerprint=article.fingerprint, paragraphs=paragraphs, exact=None,
                latest_same_url=latest, near=near,
            )
            is_meeting = classification.is_meeting_report
            document_id = uow.add_document(
                portal_id=article.portal_id, fingerprint=article.fingerprint, report_id=decision.report_id,
                version=decision.version, is_meeting_report=is_meeting, duplicate_of=decision.duplicate_of,
            )
            if values is not None:
                self.near_index.add(uow, document_id, values=values, band_values=band_values)
            uow.add_article(document_id, article, is_meeting_report=is_meeting,
                            meeting_type=classification.meeting_type, confidence=classification.confidence)
            if not is_meeting:
                uow.commit()
                return self._result(outputs, "not_meeting", decision, article)
            event_id, summary = self._assign_event(uow, article, classification, facts, decision, scope)
            report = build_report(article, classification, facts, decision, event_id)
            uow.add_report(report)
            uow.commit()
        self._observe_freshness("stored", article)
        outputs.append(self._report_output(report, article))
        if summary is not None:
            outputs.append(Output(self.events_topic, summary.event_id, summary))
        return self._result(outputs, decision.outcome, decision, article)

    def _assign_event(self, uow, article, classification, facts, decision, scope=None):
        if facts.meeting_date is None or classification.meeting_type is None:
            return None, None
        if decision.outcome == "revision" or decision.duplicate_of:
            # A new version or a syndicated copy reports the same meeting as its original.
            prior = uow.event_of_report(decision.duplicate_of or decision.report_id)
            if prior:
                known = uow.event(prior)
                if known is not None and known["meeting_date"] is not None:
                    # Its members change under that event's lock (the summary lists them all).
                    uow.lock(event_lock_names((known["signature"] or {}).get("scope", ""),
                                              known["meeting_date"])[1:2])
                uow.add_event_member(prior, decision.report_id, article.portal_id, article.province)
                return prior, self._summary(uow, prior, classification.meeting_type, facts.meeting_date)
        scope = scope or self._scope(article, classification.meeting_type)
        sig = events.signature(scope=scope, ordinal=facts.ordinal, term=facts.term,
                               presiding=[p["name"] if isinstance(p, dict) else p.name for p in facts.presiding],
                               meeting_type=classification.meeting_type)
        existing = uow.events_near(facts.meeting_date)
        event_id, is_new = events.choose_event(classification.meeting_type, facts.meeting_date, sig, existing)
        if is_new:
            uow.add_event(event_id, classification.meeting_type, facts.meeting_date, sig)
        uow.add_event_member(event_id, decision.report_id, article.portal_id, article.province)
        return event_id, self._summary(uow, event_id, classification.meeting_type, facts.meeting_date)

    @staticmethod
    def _summary(uow, event_id, meeting_type, meeting_date) -> EventSummary:
        members = uow.event_members_of(event_id)
        return EventSummary(
            event_id=event_id, meeting_type=MeetingType(meeting_type), meeting_date=meeting_date,
            report_ids=[m["report_id"] for m in members],
            portals=sorted({m["portal_id"] for m in members}),
            provinces=sorted({m["province"] for m in members}),
        )

    def _observe_freshness(self, point: str, article: Article) -> None:
        """Seconds from the crawler's fetch of the page to this point (clocks of two machines: never negative)."""
        if self.metrics is None or article.fetched_at is None:
            return
        age = (dt.datetime.now(dt.timezone.utc) - article.fetched_at).total_seconds()
        self.metrics.freshness.labels(point).observe(max(0.0, age))

    def _report_output(self, report: MeetingReport, article: Article) -> Output:
        """A report is marked delivered when the broker acknowledged it, whatever becomes of its event summary
        (a summary refused for good dead-letters the input; the report on the topic must not go out again)."""
        mark = BatchedCallback(self._mark_delivered, ((report.report_id, report.version), article))
        return Output(self.reports_topic, report.report_id, report, on_delivered=mark)

    def _result(self, outputs, outcome, decision: dedup.DedupDecision, article: Article) -> StageResult:
        if self.metrics is not None:
            self.metrics.dedup_outcomes.labels(outcome).inc()
            if outcome in ("duplicate", "near_duplicate"):
                self.metrics.duplicates.labels(outcome).inc()
            for output in outputs:
                if isinstance(output.value, MeetingReport) and outcome != "duplicate":
                    self.metrics.reports_stored.labels(output.value.meeting_type.value, outcome).inc()

        return StageResult(outputs, outcome=outcome,
                           dedup_outcome=decision.outcome, report_id=decision.report_id,
                           duplicate_of=decision.duplicate_of)

    def _mark_delivered(self, items: list[tuple[tuple[str, int], Article]]) -> None:
        """These reports were acknowledged by the broker: one write marks them all."""
        self.store.mark_delivered([key for key, _ in items])
        for _, article in items:
            self._observe_freshness("published", article)
