"""The portal registry: which portals to watch, as data. Invalid entries are refused by name."""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUNDLED_REGISTRY = "portals.yaml"


class RegistryError(ValueError):
    pass


class Portal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{1,62}$")
    name: str = Field(min_length=1)
    province: str = Field(min_length=1)
    start_urls: list[str] = Field(min_length=1)
    article_patterns: list[str] = Field(min_length=1)
    allow: list[str] = Field(min_length=1, description="URL prefixes this portal may fetch")
    listing_patterns: list[str] = Field(default_factory=list, description="Optional: only follow these listings")
    feeds: list[str] = Field(default_factory=list, description="RSS or Atom feeds of article links")
    sitemaps: list[str] = Field(default_factory=list, description="XML sitemaps (robots.txt's are found too)")
    cms: str | None = None
    max_listing_pages: int = Field(default=50, ge=1, description="listing pages per poll, pagination included")
    enabled: bool = True

    @field_validator("start_urls", "allow", "feeds", "sitemaps")
    @classmethod
    def _absolute(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[^/]+", url):
                raise ValueError(f"not an absolute http(s) URL: {url!r}")
        return urls

    @field_validator("article_patterns", "listing_patterns")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _starts_allowed(self) -> Portal:
        for url in [*self.start_urls, *self.feeds, *self.sitemaps]:
            if not self.allows(url):
                raise ValueError(f"start URL {url} is outside allow {self.allow}")
        return self

    @cached_property
    def article_regexes(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.article_patterns]

    @cached_property
    def listing_regexes(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.listing_patterns]

    def allows(self, url: str) -> bool:
        return any(url.startswith(prefix) for prefix in self.allow)

    def is_article(self, url: str) -> bool:
        return self.allows(url) and any(r.search(url) for r in self.article_regexes)

    def is_listing(self, url: str) -> bool:
        if not self.allows(url) or self.is_article(url):
            return False
        return not self.listing_regexes or any(r.search(url) for r in self.listing_regexes)


def parse_registry(text: str, *, source: str = "registry", base_url: str | None = None) -> list[Portal]:
    """Parse registry YAML. `{base_url}` in any string is replaced (used by the demo and tests)."""
    if base_url is not None:
        text = text.replace("{base_url}", base_url.rstrip("/"))
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("portals"), list):
        raise RegistryError(f"{source}: expected a top-level 'portals:' list")
    portals: list[Portal] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw["portals"]):
        label = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            portal = Portal.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            raise RegistryError(f"{source}: portal {label!r}: {where}: {err['msg']}") from None
        if portal.id in seen:
            raise RegistryError(f"{source}: portal {portal.id!r} is listed twice")
        seen.add(portal.id)
        portals.append(portal)
    return portals


def load_registry(path: Path | str | None = None, *, base_url: str | None = None) -> list[Portal]:
    if path is None:
        text = resources.files("crawlers").joinpath(BUNDLED_REGISTRY).read_text("utf-8")
        return parse_registry(text, source=f"crawlers/{BUNDLED_REGISTRY}", base_url=base_url)
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_registry(text, source=str(path), base_url=base_url)
