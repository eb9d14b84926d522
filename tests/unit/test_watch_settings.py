"""The watch's settings: validated in one line, and reaching the Scrapy components."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_poll_bounds_and_recheck_windows_are_validated():
    settings = load_settings(recheck_windows_s="86400, 3600,21600")
    assert settings.recheck_windows_s == "3600,21600,86400"
    with pytest.raises(SettingsError, match="NEWSINGEST_POLL_MIN_INTERVAL_S"):
        load_settings(poll_min_interval_s=1000, poll_initial_interval_s=900)
    with pytest.raises(SettingsError, match="NEWSINGEST_RECHECK_WINDOWS_S"):
        load_settings(recheck_windows_s="1h,6h")
    with pytest.raises(SettingsError, match="NEWSINGEST_CRAWL_STATE_URL"):
        load_settings(crawl_state_url="mysql://x")


def test_scrapy_settings_carry_the_watch_settings_and_no_depth_cap():
    env = {**os.environ, "NEWSINGEST_POLL_MAX_INTERVAL_S": "7200", "NEWSINGEST_RECHECK_WINDOWS_S": "60,120",
           "SCRAPY_SETTINGS_MODULE": "crawlers.settings"}
    code = ("from scrapy.utils.project import get_project_settings as g; s = g(); "
            "print(s.getfloat('NEWSINGEST_POLL_MAX_INTERVAL_S'), s.get('NEWSINGEST_RECHECK_WINDOWS_S'), "
            "s.getint('DEPTH_LIMIT'), s.getbool('REMOTE_CONTROL_ENABLED'), s.getbool('TELNETCONSOLE_ENABLED'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["7200.0", "60,120", "0", "False", "False"]


def test_scrapy_crawl_with_an_invalid_setting_is_one_line():
    env = {**os.environ, "NEWSINGEST_LOG_LEVEL": "LOUD"}
    out = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=hagiangtv"], env=env,
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2 and len(lines) == 1 and "NEWSINGEST_LOG_LEVEL" in lines[0], out.stderr[-2000:]
