"""Topic names. A breaking change to a model gets a new versioned topic, never an edit in place."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Topics(BaseModel):
    model_config = ConfigDict(frozen=True)

    raw_pages: str = "newsingest.raw-pages.v1"
    articles: str = "newsingest.articles.v1"
    meeting_reports: str = "newsingest.meeting-reports.v1"
    events: str = "newsingest.events.v1"
    raw_pages_dead_letter: str = "newsingest.raw-pages.dead-letter.v1"
    articles_dead_letter: str = "newsingest.articles.dead-letter.v1"
    portal_status: str = "newsingest.portal-status.v1"

    def all(self) -> list[str]:
        return list(self.model_dump().values())
