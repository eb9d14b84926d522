"""The portal registry: which portals to watch, as data. Invalid entries are refused by name."""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from functools import cached_property
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from schemas.provinces import load_provinces

BUNDLED_REGISTRY = "portals.yaml"
# The CMS families a portal may name (`cms:`); `unknown` says nobody has looked yet.
KNOWN_CMS = ("nukeviet", "liferay", "sharepoint", "wordpress", "joomla", "drupal", "dnn", "aspnet", "newspaper",
             "tv", "unknown")
# NEWSINGEST_ALLOW_LOCAL_HOSTS (schemas.settings): lets a registry name 127.0.0.1, localhost or a private address.
ALLOW_LOCAL_HOSTS_ENV = "NEWSINGEST_ALLOW_LOCAL_HOSTS"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Special-use names (RFC 6761, 6762, 8375 and ICANN's .internal) that never name a public portal.
_SPECIAL_SUFFIXES = ("localhost", "local", "internal", "test", "invalid", "example", "home.arpa", "arpa", "onion")


class RegistryError(ValueError):
    pass


class Portal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{1,62}$")
    name: str = Field(min_length=1)
    province: str = Field(min_length=1, description="the province the portal names (pre-2025 name for an old one)")
    province_current: str | None = Field(default=None, description="its unit since 1 July 2025 (derived if unset)")
    provinces_covered: list[str] = Field(
        default_factory=list, description="pre-2025 provinces it covers (default: its province, or all of the "
        "current unit's for a portal named after a current unit)")
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
    def _absolute(cls, urls: list[str], info: ValidationInfo) -> list[str]:
        context = info.context or {}
        for url in urls:
            if not re.match(r"^https?://[^/]+", url):
                raise ValueError(f"not an absolute http(s) URL: {url!r}")
            local_prefix = context.get("local_prefix")
            if context.get("allow_local_hosts") or (local_prefix and (url == local_prefix or url.startswith(
                    local_prefix + "/"))):  # the demo site and the simulators: {base_url} on 127.0.0.1
                continue
            problem = host_problem(url)
            if problem:
                raise ValueError(f"{url!r}: {problem}")
        return urls

    @field_validator("province")
    @classmethod
    def _province(cls, name: str) -> str:
        name = unicodedata.normalize("NFC", name.strip())
        if load_provinces().canonical(name) is None:
            raise ValueError(f"unknown province {name!r}: expected one of the 63 pre-2025 provinces or the 34 "
                             "current units (schemas/data/provinces.yaml)")
        return name

    @field_validator("cms")
    @classmethod
    def _cms(cls, cms: str | None) -> str | None:
        if cms is not None and cms not in KNOWN_CMS:
            raise ValueError(f"unknown cms {cms!r}: expected one of {', '.join(KNOWN_CMS)}")
        return cms

    @model_validator(mode="before")
    @classmethod
    def _current_and_covered(cls, data: object) -> object:
        """Derive province_current and provinces_covered from the province, and check given ones against it."""
        if not isinstance(data, dict) or not isinstance(data.get("province"), str):
            return data
        provinces = load_provinces()
        named = provinces.canonical(data["province"])
        if named is None:
            return data  # the field validator names the problem
        unit = provinces.current_of[named]
        data = dict(data)
        given = data.get("province_current")
        if given is None:
            data["province_current"] = unit
        elif not isinstance(given, str) or provinces.canonical(given) not in provinces.current:
            raise ValueError(f"province_current: {given!r} is not one of the 34 current units")
        elif provinces.canonical(given) != unit:
            raise ValueError(f"province_current: {data['province']!r} belongs to {unit!r} since 1 July 2025, "
                             f"not {given!r}")
        else:
            data["province_current"] = provinces.canonical(given)
        covered = data.get("provinces_covered")
        if covered is None or covered == []:  # a portal named after a current unit covers all of it today
            data["provinces_covered"] = list(provinces.merged_into(unit)) if named == unit else [named]
        elif isinstance(covered, list):
            out = []
            for name in covered:
                canonical = provinces.canonical(name) if isinstance(name, str) else None
                if canonical is None:
                    raise ValueError(f"provinces_covered: unknown province {name!r}")
                if provinces.current_of[canonical] != unit:
                    raise ValueError(f"provinces_covered: {canonical!r} is part of "
                                     f"{provinces.current_of[canonical]!r}, not {unit!r}")
                out.append(canonical)
            data["provinces_covered"] = out
        return data

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


def host_problem(url: str) -> str | None:
    """Why `url`'s host may not be in a registry (None if it is a public DNS name)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if not host:
        return "no host"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        kind = next((k for k in ("loopback", "link_local", "unspecified", "multicast", "reserved", "private")
                     if getattr(address, f"is_{k}")), None)
        detail = f" ({kind.replace('_', '-')})" if kind else ""
        return f"host {host} is an IP address{detail}, not a DNS name"
    host = host.rstrip(".")
    if host == "localhost" or any(host == s or host.endswith("." + s) for s in _SPECIAL_SUFFIXES):
        return f"host {host} is a local or special-use name, not a public DNS name"
    labels = host.split(".")
    # A top-level domain is letters (or an IDN's xn-- form): so "0x7f.0x0.0x0.0x1" or "10.0.0.0x5", which the
    # system resolver reads as IP addresses in hex, are no DNS names either.
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return f"host {host} is not a public DNS name"
    return None


def local_hosts_allowed_by_setting() -> bool:
    """NEWSINGEST_ALLOW_LOCAL_HOSTS (default false): tests and benchmarks set it; production never does."""
    value = os.environ.get(ALLOW_LOCAL_HOSTS_ENV, "").strip()
    if not value:
        return False
    try:
        return TypeAdapter(bool).validate_python(value)
    except ValidationError:
        raise RegistryError(f"invalid setting {ALLOW_LOCAL_HOSTS_ENV}: expected true or false, got {value!r}") \
            from None


def parse_registry(text: str, *, source: str = "registry", base_url: str | None = None,
                   allow_local_hosts: bool = False) -> list[Portal]:
    """Parse registry YAML. `{base_url}` in any string is replaced (used by the demo and tests).

    Every URL's host must be a public DNS name, except with `allow_local_hosts` (tests, benchmarks) and in URLs
    that start with the substituted `base_url` (the demo site and the simulators run on 127.0.0.1).
    """
    local_prefix = None
    if base_url is not None:
        local_prefix = base_url.rstrip("/")
        text = text.replace("{base_url}", local_prefix)
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
            portal = Portal.model_validate(
                entry, context={"allow_local_hosts": allow_local_hosts, "local_prefix": local_prefix})
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            message = err["msg"]
            field, colon, rest = message.removeprefix("Value error, ").partition(": ")
            if where == "entry" and colon and field in Portal.model_fields:  # a model-level check names its field
                where, message = field, f"Value error, {rest}"
            raise RegistryError(f"{source}: portal {label!r}: {where}: {message}") from None
        if portal.id in seen:
            raise RegistryError(f"{source}: portal {portal.id!r} is listed twice")
        seen.add(portal.id)
        portals.append(portal)
    return portals


def load_registry(path: Path | str | None = None, *, base_url: str | None = None,
                  allow_local_hosts: bool | None = None) -> list[Portal]:
    """The bundled registry, or `path`. `allow_local_hosts=None` follows NEWSINGEST_ALLOW_LOCAL_HOSTS."""
    if allow_local_hosts is None:
        allow_local_hosts = local_hosts_allowed_by_setting()
    if path is None:
        text = resources.files("crawlers").joinpath(BUNDLED_REGISTRY).read_text("utf-8")
        return parse_registry(text, source=f"crawlers/{BUNDLED_REGISTRY}", base_url=base_url,
                              allow_local_hosts=allow_local_hosts)
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:  # e.g. saved in Windows-1258
        raise RegistryError(f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                            "save it as UTF-8") from None
    return parse_registry(text, source=str(path), base_url=base_url, allow_local_hosts=allow_local_hosts)
