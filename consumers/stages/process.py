"""Process stage: Article -> classify -> deduplicate -> store -> MeetingReport (+ EventSummary)."""

from __future__ import annotations

import datetime as dt

from consumers.domain import dedup, events
from consumers.domain.dedup import StoreConflict
from consumers.domain.analysis import analyse, default_classifier
from consumers.domain.classification import Classification, MeetingClassifier
from consumers.domain.facts import MeetingFacts
from consumers.domain.provinces import load_provinces
from consumers.stages.base import Output, Retryable, StageResult
from schemas import Article, EventSummary, MeetingReport, MeetingType


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


class ProcessStage:
    """`store` is the storage port: `unit_of_work()` and `mark_delivered()` (consumers.adapters.store.Store)."""

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
        analysis = analyse(article.title, article.text, article.published_at, article.province, self.classifier)
        classification, facts = analysis.classification, analysis.facts
        paragraphs = [p for p in article.text.split("\n") if p]
        try:
            return self._store(article, classification, facts, paragraphs)
        except StoreConflict as exc:
            # Another replica stored this document between our read and our write: decide again.
            raise Retryable(f"concurrent write: {exc}") from exc

    def _store(self, article: Article, classification: Classification, facts: MeetingFacts,
               paragraphs: list[str]) -> StageResult:
        outputs: list[Output] = []
        delivered_keys: list[tuple[str, int]] = []
        with self.store.unit_of_work() as uow:
            exact = uow.find_exact(article.canonical_url, article.portal_id, article.fingerprint)
            latest = None if exact else uow.latest_for_url(article.canonical_url)
            near = None
            if exact is None and latest is None and self.near_index is not None:
                near = self.near_index.query(uow, article, paragraphs)
            decision = dedup.decide(
                canonical_url=article.canonical_url, portal_id=article.portal_id,
                fingerprint=article.fingerprint, paragraphs=paragraphs, exact=exact,
                latest_same_url=latest, near=near,
            )
            if decision.outcome == "duplicate":
                # A replay after a crash between store commit and broker ack: publish what was stored.
                pending = uow.undelivered_report(decision.report_id, decision.version)
                if pending is not None:
                    outputs.append(Output(self.reports_topic, pending.report_id, pending))
                    delivered_keys.append((pending.report_id, pending.version))
                    if pending.event_id:
                        summary = self._summary(uow, pending.event_id, pending.meeting_type.value,
                                                pending.meeting_date)
                        outputs.append(Output(self.events_topic, summary.event_id, summary))
                return self._result(outputs, delivered_keys, "duplicate", decision, article)
            is_meeting = classification.is_meeting_report
            document_id = uow.add_document(
                canonical_url=article.canonical_url, portal_id=article.portal_id,
                fingerprint=article.fingerprint, report_id=decision.report_id, version=decision.version,
                is_meeting_report=is_meeting, paragraphs=paragraphs, duplicate_of=decision.duplicate_of,
            )
            if self.near_index is not None:
                self.near_index.add(uow, document_id, article, paragraphs)
            uow.add_article(article, is_meeting_report=is_meeting, meeting_type=classification.meeting_type,
                            confidence=classification.confidence)
            if not is_meeting:
                uow.commit()
                return self._result(outputs, delivered_keys, "not_meeting", decision, article)
            event_id, summary = self._assign_event(uow, article, classification, facts, decision)
            report = build_report(article, classification, facts, decision, event_id)
            uow.add_report(report)
            uow.commit()
        self._observe_freshness("stored", article)
        outputs.append(Output(self.reports_topic, report.report_id, report))
        delivered_keys.append((report.report_id, report.version))
        if summary is not None:
            outputs.append(Output(self.events_topic, summary.event_id, summary))
        return self._result(outputs, delivered_keys, decision.outcome, decision, article)

    def _assign_event(self, uow, article, classification, facts, decision):
        if facts.meeting_date is None or classification.meeting_type is None:
            return None, None
        if decision.outcome == "revision" or decision.duplicate_of:
            # A new version or a syndicated copy reports the same meeting as its original.
            prior = uow.event_of_report(decision.duplicate_of or decision.report_id)
            if prior:
                uow.add_event_member(prior, decision.report_id, article.portal_id, article.province)
                return prior, self._summary(uow, prior, classification.meeting_type, facts.meeting_date)
        national = events.is_national(classification.meeting_type, article.title, article.text)
        scope = events.event_scope(classification.meeting_type, article.province, national)
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

    def _result(self, outputs, delivered_keys, outcome, decision: dedup.DedupDecision,
                article: Article) -> StageResult:
        store = self.store
        if self.metrics is not None:
            self.metrics.dedup_outcomes.labels(outcome).inc()
            if outcome in ("duplicate", "near_duplicate"):
                self.metrics.duplicates.labels(outcome).inc()
            for output in outputs:
                if isinstance(output.value, MeetingReport) and outcome != "duplicate":
                    self.metrics.reports_stored.labels(output.value.meeting_type.value, outcome).inc()

        def mark() -> None:
            store.mark_delivered(delivered_keys)
            self._observe_freshness("published", article)

        return StageResult(outputs, on_delivered=mark if delivered_keys else None, outcome=outcome,
                           dedup_outcome=decision.outcome, report_id=decision.report_id,
                           duplicate_of=decision.duplicate_of)
