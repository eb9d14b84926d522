"""Is this article a report of an official meeting, and of which kind."""

from consumers.domain.classification.classifier import Classification, MeetingClassifier

__all__ = ["Classification", "MeetingClassifier"]
