"""`newsingest portals list|check`: the portal registry as a table, and its validation with country coverage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

portals_app = typer.Typer(no_args_is_help=True, help="The portal registry: list it, validate a registry file.")


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200)


def _load(file: Path | None):
    """The bundled registry (or NEWSINGEST_PORTALS_FILE) or `file`; RegistryError is one line, exit 2."""
    from crawlers.registry import load_registry
    from schemas.settings import load_settings

    path = file if file is not None else load_settings().portals_file
    source = str(path) if path is not None else "crawlers/portals.yaml (bundled)"
    return source, load_registry(path)


def coverage(portals) -> tuple[list[str], list[str]]:
    """(current units with an enabled portal, current units without one), in the data's order."""
    from schemas.provinces import load_provinces

    covered = {p.province_current for p in portals if p.enabled}
    units = load_provinces().current
    return [u for u in units if u in covered], [u for u in units if u not in covered]


@portals_app.command("list")
def list_portals(
    file: Annotated[Path | None, typer.Argument(help="registry YAML (default: NEWSINGEST_PORTALS_FILE or bundled)")]
    = None,
) -> None:
    """One row per portal: id, province as named -> current unit, CMS, enabled, start URLs, feeds/sitemaps."""
    source, portals = _load(file)
    table = Table(title=f"{len(portals)} portal(s) in {escape(source)}", title_justify="left")
    for column in ("id", "province (as named -> current)", "cms", "enabled", "start URLs", "feeds/sitemaps"):
        table.add_column(column)
    for p in portals:
        province = p.province if p.province == p.province_current else f"{p.province} -> {p.province_current}"
        table.add_row(p.id, escape(province), p.cms or "-", "yes" if p.enabled else "no", str(len(p.start_urls)),
                      f"{len(p.feeds)}/{len(p.sitemaps)}")
    _console().print(table)


@portals_app.command("check")
def check(
    file: Annotated[Path | None, typer.Argument(help="registry YAML (default: NEWSINGEST_PORTALS_FILE or bundled)")]
    = None,
) -> None:
    """Validate a registry (exit 2 with one line if invalid) and check that each of the 34 current provinces and
    cities has an enabled portal (exit 1 naming the missing ones if not)."""
    source, portals = _load(file)
    enabled = [p for p in portals if p.enabled]
    covered, missing = coverage(portals)
    total = len(covered) + len(missing)
    typer.echo(f"{source}: {len(portals)} portal(s), {len(enabled)} enabled, covering {len(covered)} of {total} "
               f"current provinces and cities")
    if missing:  # the CLI's one-line error convention; exit 1: the file is valid but the country is not covered
        sys.stderr.write(f"error: {source}: no enabled portal for {len(missing)} of {total} current units: "
                         f"{', '.join(missing)}\n")
        raise typer.Exit(1)
