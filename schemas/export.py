"""JSON Schema files for downstream subscribers, one per message model."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.models import Article, DeadLetter, EventSummary, MeetingReport, PortalStatus, RawPage

EXPORTED = {
    "raw_page": RawPage,
    "article": Article,
    "meeting_report": MeetingReport,
    "event_summary": EventSummary,
    "dead_letter": DeadLetter,
    "portal_status": PortalStatus,
}

COMMITTED_DIR = Path(__file__).parent / "json"


def render() -> dict[str, str]:
    """File name -> file text, deterministic so a drift test can compare."""
    out = {}
    for name, model in EXPORTED.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://newsingest.example/schemas/{name}.v{model.model_fields['schema_version'].default}.json"
        out[f"{name}.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in render().items():
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
