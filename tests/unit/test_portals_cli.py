"""`newsingest portals list|check`: the registry as a table, validation and country coverage, one-line errors."""

from __future__ import annotations

from typer.testing import CliRunner

from deploy.cli import app
from tests.unit.test_cli_errors import clean_env, one_line, run_cli

GOOD = """
portals:
  - id: qn
    name: Báo Quảng Ninh
    province: Quảng Ninh
    cms: newspaper
    start_urls: ["https://www.baoquangninh.vn/chinh-tri"]
    article_patterns: ['^https://www\\.baoquangninh\\.vn/[a-z0-9\\-]+-\\d{7}\\.html$']
    allow: ["https://www.baoquangninh.vn/"]
    feeds: ["https://www.baoquangninh.vn/rss"]
  - id: hg
    name: Đài PT-TH Hà Giang
    province: Hà Giang
    cms: tv
    start_urls: ["https://hagiangtv.vn/thoi-su"]
    article_patterns: ['^https://hagiangtv\\.vn/thoi-su/[a-z0-9\\-]+-\\d+\\.html$']
    allow: ["https://hagiangtv.vn/"]
    enabled: false
"""


def test_list_shows_every_portal_with_its_current_unit():
    result = CliRunner().invoke(app, ["portals", "list"], env={"NEWSINGEST_PORTALS_FILE": ""})
    assert result.exit_code == 0, result.output
    assert "hagiangtv" in result.output and "Hà Giang -> Tuyên Quang" in result.output
    assert "baoquangninh" in result.output and "newspaper" in result.output


def test_list_of_a_file(tmp_path):
    path = tmp_path / "portals.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(app, ["portals", "list", str(path)])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert set(rows) >= {"qn", "hg"}
    assert "1/0" in rows["qn"] and "no" in rows["hg"]


def test_check_passes_on_the_shipped_registry():
    result = run_cli("portals", "check", env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "covering 34 of 34 current provinces and cities" in result.stdout


def test_check_names_the_units_without_an_enabled_portal(tmp_path):
    path = tmp_path / "portals.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = run_cli("portals", "check", str(path), env=clean_env())
    assert result.returncode == 1
    assert "2 portal(s), 1 enabled, covering 1 of 34" in result.stdout
    line = one_line(result.stderr)
    assert line.startswith(f"error: {path}: no enabled portal for 33 of 34 current units: Hà Nội, Huế,")
    assert "Tuyên Quang" in line and "Quảng Ninh" not in line


def test_check_of_an_invalid_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "portals.yaml"
    path.write_text(GOOD.replace("https://hagiangtv.vn/", "http://169.254.169.254/"), encoding="utf-8")
    result = run_cli("portals", "check", str(path), env=clean_env())
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"error: {path}: portal 'hg': start_urls: Value error, 'http://169.254.169.254/thoi-su'")
    assert "is an IP address (link-local), not a DNS name" in line
    missing = run_cli("portals", "check", str(tmp_path / "absent.yaml"), env=clean_env())
    assert missing.returncode == 2 and one_line(missing.stderr).startswith("error: ")
