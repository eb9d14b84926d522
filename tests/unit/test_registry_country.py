"""The shipped registry covers the country, and a registry is validated at load: provinces (63 -> 34), CMS, and
hosts that must be public DNS names. Province data is checked against the consumers' copy and vietnam-provinces."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from crawlers.registry import KNOWN_CMS, RegistryError, host_problem, load_registry, parse_registry
from schemas.provinces import load_provinces

REPO = Path(__file__).resolve().parents[2]

ENTRY = """
portals:
  - id: x1
    name: Cổng thông tin thử
    province: {province}
    start_urls: ["{start}"]
    article_patterns: ['^https://example\\.vn/tin-tuc/.+-\\d+\\.html$']
    allow: ["{allow}"]
"""


def entry(province: str = "Hà Giang", start: str = "https://hagiang.gov.vn/tin-tuc/",
          allow: str = "https://hagiang.gov.vn/", extra: str = "") -> str:
    return ENTRY.format(province=province, start=start, allow=allow) + extra


@pytest.fixture
def bundled(monkeypatch):
    monkeypatch.delenv("NEWSINGEST_ALLOW_LOCAL_HOSTS", raising=False)  # production rules for the shipped file
    return load_registry()


# -- the shipped registry ------------------------------------------------------------------------------------

def test_every_current_unit_has_an_enabled_portal(bundled):
    units = load_provinces().current
    assert len(units) == 34
    covered = {p.province_current for p in bundled if p.enabled}
    assert [u for u in units if u not in covered] == []
    assert {p.id for p in bundled} >= {"baoquangninh", "caobang", "thaibinhtv", "hdndcaobang", "hagiangtv"}


def test_every_host_of_the_shipped_registry_is_a_public_dns_name(bundled):
    for portal in bundled:
        for url in [*portal.start_urls, *portal.allow, *portal.feeds, *portal.sitemaps]:
            assert host_problem(url) is None, (portal.id, url)
            assert urlsplit(url).scheme == "https", (portal.id, url)


def test_every_shipped_entry_names_its_provinces_and_cms(bundled):
    provinces = load_provinces()
    for portal in bundled:
        assert portal.cms in KNOWN_CMS, portal.id
        assert portal.province_current in provinces.current, portal.id
        assert portal.provinces_covered, portal.id
        assert all(provinces.current_of[name] == portal.province_current for name in portal.provinces_covered)
    by_id = {p.id: p for p in bundled}
    assert (by_id["hagiangtv"].province, by_id["hagiangtv"].province_current) == ("Hà Giang", "Tuyên Quang")
    assert by_id["hagiangtv"].provinces_covered == ["Hà Giang"]
    assert by_id["hochiminhcity"].provinces_covered == ["Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"]


def test_the_shipped_file_states_province_current_and_provinces_covered_for_every_entry():
    raw = yaml.safe_load((REPO / "crawlers" / "portals.yaml").read_text("utf-8"))
    for item in raw["portals"]:
        assert "province_current" in item and "provinces_covered" in item, item["id"]


# -- validation at load --------------------------------------------------------------------------------------

def test_province_current_and_provinces_covered_are_derived():
    (portal,) = parse_registry(entry())
    assert portal.province_current == "Tuyên Quang" and portal.provinces_covered == ["Hà Giang"]
    (portal,) = parse_registry(entry(province="Tuyên Quang"))
    assert portal.provinces_covered == ["Tuyên Quang", "Hà Giang"]
    (portal,) = parse_registry(entry(province="TP Hồ Chí Minh"))  # an alias
    assert portal.province_current == "Hồ Chí Minh"


def test_province_is_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "Hà Giang")
    assert decomposed != "Hà Giang"
    (portal,) = parse_registry(entry(province=decomposed))
    assert portal.province == "Hà Giang" and portal.province_current == "Tuyên Quang"


@pytest.mark.parametrize("text,message", [
    (entry(province="Xứ Đoài"), "portal 'x1': province: .*unknown province 'Xứ Đoài'"),
    (entry(extra="    province_current: Hà Giang\n"),
     "portal 'x1': province_current: .*not one of the 34 current units"),
    (entry(extra="    province_current: Cao Bằng\n"),
     "portal 'x1': province_current: .*'Hà Giang' belongs to 'Tuyên Quang' since 1 July 2025"),
    (entry(extra="    provinces_covered: [Hà Giang, Yên Bái]\n"),
     "portal 'x1': provinces_covered: .*'Yên Bái' is part of 'Lào Cai', not 'Tuyên Quang'"),
    (entry(extra="    provinces_covered: [Atlantis]\n"), "portal 'x1': provinces_covered: .*unknown province"),
    (entry(extra="    cms: typo3\n"), "portal 'x1': cms: .*unknown cms 'typo3'"),
])
def test_invalid_provinces_and_cms_are_refused_by_name(text, message):
    with pytest.raises(RegistryError, match=message):
        parse_registry(text, source="portals.yaml")


PRIVATE = ["http://10.0.0.5/", "http://169.254.169.254/", "http://[::1]/", "http://127.0.0.1/",
           "http://localhost/", "http://localhost:8080/", "http://192.168.1.1/", "http://[fe80::1]/",
           "http://2130706433/", "http://0x7f.1/", "http://intranet/", "http://portal.internal/",
           "http://router.local/", "http://8.8.8.8/", "http://user@hagiang.gov.vn/"]


@pytest.mark.parametrize("url", PRIVATE)
@pytest.mark.parametrize("field", ["start_urls", "allow"])
def test_ip_literals_local_and_private_names_are_refused_by_name(url, field):
    text = entry(start=url, allow=url) if field == "start_urls" else entry(allow=url)
    with pytest.raises(RegistryError, match=rf"^portals\.yaml: portal 'x1': {field}: Value error, '.*': "):
        parse_registry(text, source="portals.yaml")


def test_feeds_and_sitemaps_are_checked_too():
    with pytest.raises(RegistryError, match="portal 'x1': feeds: .*169.254.169.254 is an IP address"):
        parse_registry(entry(extra="    feeds: ['http://169.254.169.254/rss']\n"), source="portals.yaml")


def test_the_refusal_says_why():
    assert "IP address (private)" in host_problem("http://10.0.0.5/")
    assert "IP address (link-local)" in host_problem("http://169.254.169.254/latest/meta-data")
    assert "IP address (loopback)" in host_problem("http://[::1]/")
    assert "local or special-use name" in host_problem("http://localhost/")
    assert host_problem("https://www.baoquangninh.vn/chinh-tri") is None
    assert host_problem("https://hdnd.caobang.gov.vn/tin-tuc/") is None


def test_local_hosts_need_an_explicit_opt_in(monkeypatch, tmp_path):
    local = entry(start="http://127.0.0.1:8000/x1/", allow="http://127.0.0.1:8000/x1/")
    with pytest.raises(RegistryError, match="start_urls"):
        parse_registry(local)
    (portal,) = parse_registry(local, allow_local_hosts=True)
    assert portal.start_urls == ["http://127.0.0.1:8000/x1/"]
    # load_registry follows NEWSINGEST_ALLOW_LOCAL_HOSTS (tests and benchmarks set it; production never).
    path = tmp_path / "portals.yaml"
    path.write_text(local, encoding="utf-8")
    monkeypatch.setenv("NEWSINGEST_ALLOW_LOCAL_HOSTS", "false")
    with pytest.raises(RegistryError, match="is an IP address"):
        load_registry(path)
    monkeypatch.setenv("NEWSINGEST_ALLOW_LOCAL_HOSTS", "true")
    assert [p.id for p in load_registry(path)] == ["x1"]
    with pytest.raises(RegistryError, match="is an IP address"):
        load_registry(path, allow_local_hosts=False)
    monkeypatch.setenv("NEWSINGEST_ALLOW_LOCAL_HOSTS", "maybe")
    with pytest.raises(RegistryError, match="invalid setting NEWSINGEST_ALLOW_LOCAL_HOSTS"):
        load_registry(path)


def test_a_substituted_base_url_may_be_local_but_nothing_else():
    text = entry(start="{base_url}/x1/", allow="{base_url}/x1/")
    (portal,) = parse_registry(text, base_url="http://127.0.0.1:9000")
    assert portal.allow == ["http://127.0.0.1:9000/x1/"]
    mixed = entry(start="{base_url}/x1/", allow="{base_url}/x1/",
                  extra="    sitemaps: ['http://10.0.0.5/sitemap.xml']\n").replace(
        'allow: ["{base_url}/x1/"]', 'allow: ["{base_url}/x1/", "http://10.0.0.5/"]')
    with pytest.raises(RegistryError, match="portal 'x1': allow: .*10.0.0.5"):
        parse_registry(mixed, base_url="http://127.0.0.1:9000")


def test_the_demo_and_simulator_registries_still_load():
    from deploy.demo import demo_site_root

    portals = load_registry(demo_site_root() / "portals.yaml", base_url="http://127.0.0.1:9", allow_local_hosts=False)
    assert {p.id for p in portals} >= {"baoquangninh", "hagiangtv"}


# -- province data --------------------------------------------------------------------------------------------

def test_the_shared_province_data_agrees_with_the_consumers_copy():
    from consumers.domain.provinces import load_provinces as consumer_provinces

    shared = yaml.safe_load((REPO / "schemas" / "data" / "provinces.yaml").read_text("utf-8"))
    theirs = yaml.safe_load((REPO / "consumers" / "domain" / "data" / "provinces.yaml").read_text("utf-8"))
    assert shared["provinces"] == theirs["provinces"]
    provinces = load_provinces()
    resolver = consumer_provinces()
    for name in provinces.historical:
        assert resolver.resolve(name) == (name, provinces.current_of[name])
    assert len(provinces.historical) == 63 and len(set(provinces.historical)) == 63
    assert len(provinces.current) == 34 and set(provinces.current) <= set(provinces.historical)


def test_the_34_current_units_match_vietnam_provinces():
    vp = pytest.importorskip("vietnam_provinces")
    names = {p.name.removeprefix("Thành phố ") for p in vp.Province.iter_all()}
    assert names == set(load_provinces().current)
    cities = {p.name.removeprefix("Thành phố ") for p in vp.Province.iter_all()
              if p.division_type == vp.VietNamDivisionType.THANH_PHO_TRUNG_UONG}
    assert cities == {"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"}


def test_absorbed_provinces_map_to_the_unit_holding_their_namesake_ward():
    """vietnam-provinces carries only the 34 units and their wards, not the 63 old names; an absorbed province's
    former capital usually survives as a ward of its name (Phường Hà Giang 1, Phường Yên Bái ...), which must lie
    in the unit our data maps the province to."""
    vp = pytest.importorskip("vietnam_provinces")
    unit_of_code = {p.code: p.name.removeprefix("Thành phố ") for p in vp.Province.iter_all()}
    wards = [w for w in vp.Ward.iter_all() if w.division_type == vp.VietNamDivisionType.PHUONG]
    provinces = load_provinces()
    checked = 0
    for name in provinces.historical:
        if provinces.current_of[name] == name:
            continue
        units = {unit_of_code[w.province_code] for w in wards
                 if w.name == f"Phường {name}" or w.name.startswith(f"Phường {name} ")}
        if units:
            checked += 1
            assert provinces.current_of[name] in units, (name, units)
    assert checked >= 20  # of the 29 absorbed provinces
