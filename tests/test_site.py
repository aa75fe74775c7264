"""`policydiff site`, looked at as a person would: built by the CLI, opened in headless Chromium from file://.

Two sites: one from the fictional examples (always), with a policy whose title carries a script and one
whose accounting lists unread text; one from ../shared/corpus with the seeds (where ../shared is there).
One browser session serves the whole module. Screenshots are kept in test-artifacts/site/ (or
$POLICYDIFF_ARTIFACTS); `pytest --update-golden` also refreshes the README's topic-page image.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from policydiff.ingest import Identity, prepare
from policydiff.normalized.schema import Accounting, Source, Unread, to_json
from policydiff.store import Store

from .browser import DevTools, chromium
from .conftest import EXAMPLES, LAKESHORE, NW_2025, NW_2026, ROOT, need_shared, run_cli
from .test_store import FIXED

ARTIFACTS = Path(os.environ.get("POLICYDIFF_ARTIFACTS", ROOT / "test-artifacts")) / "site"
DOC_IMAGE = ROOT / "docs" / "topic-page.png"
HOSTILE_TITLE = "Bariatric <script>window.pwned = 1</script> Surgery"
UNREAD_TEXT = "Members with a BMI of 33 may be considered on review."


def hostile(folder: Path) -> Path:
    """A fictional payer whose title and one indication carry markup: it must show as text."""
    text = NW_2025.read_text(encoding="utf-8")
    text = text.replace("Title: Bariatric and Metabolic Surgery", f"Title: {HOSTILE_TITLE}")
    text = text.replace("NORTHWIND HEALTH PLAN", "HARBOR HEALTH").replace("Northwind Health Plan", "Harbor Health")
    text = text.replace("NW-SURG-114", "HB-7").replace("Clinically severe obesity in adults",
                                                      'Clinically severe obesity <img src="x" id="injected"> in adults')
    path = folder / "harbor__bariatric__2025-04-01.txt"
    path.write_text(text, encoding="utf-8")
    return path


def with_unread(store: Store, path: Path) -> None:
    """A version whose accounting says a coverage line was not read (what the extractor will record)."""
    prepared = prepare(str(path), Identity(payer="Tidewater Health", policy_id="TW-9", effective="2025-05-01"))
    assert prepared.version is not None, prepared.error
    version = prepared.version
    policy = replace(version.policy, accounting=Accounting(
        coverage_lines=20, read_lines=19, buckets=(("criterion", 19), ("unread", 1)),
        unread=(Unread(Source(12), UNREAD_TEXT, "a number no limit grammar reads"),)))
    old_env = {k: os.environ.get(k) for k in FIXED}
    os.environ.update(FIXED)
    try:
        [result] = store.commit([replace(version, name="tidewater-health/tw-9", policy=policy,
                                         content=to_json(policy))])
    finally:
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert result.status == "added"


@pytest.fixture(scope="module")
def fictional(tmp_path_factory):
    """The examples, a hostile title and an unread line, stored by the CLI; the site built by the CLI."""
    root = tmp_path_factory.mktemp("fictional")
    store = root / "store"
    docs = root / "docs"
    docs.mkdir()
    run_cli("--store", str(store), "add", str(EXAMPLES), str(hostile(docs)), env=FIXED, check_codes=(0,))
    with_unread(Store(store), NW_2025)
    site = root / "site"
    proc = run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    assert "policies" in proc.stdout
    return {"store": store, "site": site, "root": root}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The real corpus and the seeds, stored and built into a site by the CLI (skipped without ../shared)."""
    shared = need_shared()
    root = tmp_path_factory.mktemp("corpus")
    store = root / "store"
    run_cli("--store", str(store), "add", str(shared / "corpus"), str(shared / "seeds"), env=FIXED,
            check_codes=(0, 2))  # a corpus document the extractor refuses must not stop the site
    site = root / "site"
    run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    return {"store": store, "site": site}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium()  # skips (or fails under CI) when there is none
    devtools = DevTools(tmp_path_factory.mktemp("chromium-profile"), width=1280, height=900)
    yield devtools
    devtools.close()


def shot(browser: DevTools, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return browser.screenshot(ARTIFACTS / f"{name}.png")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.meta_csp: list[str] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"] or "")
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key] or "")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.meta_csp.append(a.get("content") or "")
        if tag == "script":
            self.scripts.append(a.get("src"))


def parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def check_links(site: Path) -> int:
    """Every href and src of every page names a file of the site, and an id in it where it has a fragment;
    none points outside the site. Returns the number of links checked."""
    pages = sorted(site.rglob("*.html"))
    ids = {}
    checked = 0
    problems = []
    for page in pages:
        for link in parsed(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("/"):
                problems.append(f"{page.relative_to(site)}: {link} leaves the site")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file() or site.resolve() not in target.parents:
                problems.append(f"{page.relative_to(site)}: {link} names no file of the site")
                continue
            if parts.fragment:
                if target not in ids:
                    ids[target] = parsed(target).ids if target.suffix == ".html" else set()
                if unquote(parts.fragment) not in ids[target]:
                    problems.append(f"{page.relative_to(site)}: {link} names no id in {target.name}")
            checked += 1
    assert not problems, problems[:10]
    return checked


def page_of(site: Path, name: str) -> Path:
    return site / "policies" / f"{name}.html"


# -- the fictional site: every page, CSP, unread text, sorting, incremental rebuilds --------------------------------

def test_every_page_opens_without_console_errors(fictional, browser):
    site = fictional["site"]
    pages = sorted(p for p in site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        errors = browser.open(page.as_uri())
        assert errors == [], (page.relative_to(site), errors)
        assert browser.evaluate("document.styleSheets.length") == 1, page  # the site's own stylesheet loaded
    browser.open((site / "index.html").as_uri())
    shot(browser, "fictional-index")
    browser.open(page_of(site, "northwind-health-plan/nw-surg-114").as_uri())
    shot(browser, "fictional-policy")


def test_every_internal_link_resolves(fictional):
    assert check_links(fictional["site"]) > 50


def test_every_page_has_a_strict_csp_and_only_our_script(fictional):
    for page in fictional["site"].rglob("*.html"):
        found = parsed(page)
        assert len(found.meta_csp) == 1, page
        csp = found.meta_csp[0]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        assert [s.rsplit("/", 1)[-1] for s in found.scripts if s] == ["site.js"] and None not in found.scripts, page


def test_a_script_in_a_title_renders_as_text(fictional, browser):
    page = page_of(fictional["site"], "harbor-health/hb-7")
    errors = browser.open(page.as_uri())
    assert errors == []
    assert browser.evaluate("document.querySelector('h1').textContent") == HOSTILE_TITLE
    assert browser.evaluate("typeof window.pwned") == "undefined"
    assert browser.evaluate("document.getElementById('injected')") is None
    assert browser.evaluate("Array.from(document.scripts).map(s => s.src.split('/').pop())") == ["site.js"]
    assert "<img src=\"x\" id=\"injected\">" in browser.evaluate("document.body.textContent")
    # the index and the topic page show it as text too
    browser.open((fictional["site"] / "index.html").as_uri())
    assert HOSTILE_TITLE in browser.evaluate("document.getElementById('policy-index').textContent")
    assert browser.evaluate("typeof window.pwned") == "undefined"
    shot(browser, "hostile-title")


def test_unread_text_is_shown_as_such(fictional, browser):
    errors = browser.open(page_of(fictional["site"], "tidewater-health/tw-9").as_uri())
    assert errors == []
    section = browser.evaluate("document.querySelector('details[open] section.accounting.incomplete').textContent")
    assert "Not read" in section and UNREAD_TEXT in section and "line 12" in section
    assert "a number no limit grammar reads" in section and "19 of 20 coverage lines read (95%)" in section
    # a version read completely says so, with no list of unread text
    browser.open(page_of(fictional["site"], "lakeshore-mutual/lm-0457").as_uri())
    complete = browser.evaluate("document.querySelector('section.accounting').textContent")
    assert "22 of 22 coverage lines read (100%)" in complete and "Not read" not in complete


def test_the_index_sorts_and_filters(fictional, browser):
    browser.open((fictional["site"] / "index.html").as_uri())
    rows = "Array.from(document.querySelectorAll('#policy-index tbody tr')).filter(r => !r.hidden)"
    total = browser.evaluate(f"{rows}.length")
    assert total == 4
    browser.evaluate("{ const f = document.getElementById('filter'); f.value = 'lakeshore';"
                     "f.dispatchEvent(new Event('input')); }")
    assert browser.evaluate(f"{rows}.map(r => r.cells[0].textContent)") == ["Lakeshore Mutual"]
    browser.evaluate("{ const f = document.getElementById('filter'); f.value = '';"
                     "f.dispatchEvent(new Event('input'));"
                     "document.getElementById('material-only').click(); }")
    assert browser.evaluate(f"{rows}.map(r => r.cells[0].textContent)") == ["Northwind Health Plan"]
    browser.evaluate("document.getElementById('material-only').click()")
    versions_button = "document.querySelectorAll('#policy-index thead button')[4]"
    browser.evaluate(f"{versions_button}.click(); {versions_button}.click()")  # descending
    assert browser.evaluate(f"{rows}.map(r => r.cells[4].textContent)") == ["2", "1", "1", "1"]


def test_policy_page_shows_the_timeline_trees_and_marked_diff(fictional, browser):
    page = page_of(fictional["site"], "northwind-health-plan/nw-surg-114")
    browser.open(page.as_uri())
    assert browser.evaluate("document.querySelectorAll('svg.timeline circle.dot').length") == 2
    assert browser.evaluate("Array.from(document.querySelectorAll('ol.timeline li a')).map(a => a.textContent)") \
        == ["2026-03-01", "2025-03-01"]
    diff = browser.evaluate("document.querySelector('details[open] section.diff').textContent")
    assert "Changes from 2025-03-01" in diff
    marks = browser.evaluate("Array.from(document.querySelectorAll('details[open] section.diff .badge'))"
                             ".map(b => b.textContent)")
    assert {"material", "stricter", "looser", "added", "removed"} <= set(marks)
    assert "treatment_duration: ≥ 6 months → ≥ 3 months" in " ".join(diff.split())
    # provenance: each criterion names its line and links into the stored text, where those words are
    link = browser.evaluate("Array.from(document.querySelectorAll('details[open] a.prov'))"
                            ".find(a => (a.parentElement.querySelector(':scope > span.text') || {}).textContent"
                            "=== 'Age 18 years or older;').href")
    assert "#L" in link
    browser.open(link)
    target = browser.evaluate("document.querySelector(':target').textContent")
    assert "Age 18 years or older" in target


def test_topic_page_sets_payers_side_by_side(fictional, browser):
    site = fictional["site"]
    [topic] = [p for p in (site / "topics").glob("*.html") if "bariatric" in p.name]
    errors = browser.open(topic.as_uri())
    assert errors == []
    # one line per policy of the topic in every grid; the adolescent BMI grid has a bar for each payer
    heads = browser.evaluate("Array.from(document.querySelectorAll('ol.members li')).length")
    assert heads >= 3
    lines = browser.evaluate("Array.from(document.querySelectorAll('table.grid')).map(t => t.tBodies[0].rows.length)")
    assert set(lines) == {heads}
    # each bar links to the criterion it came from, on the policy's page
    href = browser.evaluate("document.querySelector('svg.bar a').getAttribute('href')")
    assert href.startswith("../policies/") and "#v-" in href
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.evaluate("document.querySelector('section.row table.grid[data-measure=\"age\"]').scrollIntoView()")
    browser.screenshot(ARTIFACTS / "fictional-topic.png", full_page=False)


def test_readme_topic_page_image(tmp_path, browser, update_golden):
    """The README's picture of a topic page is this test's screenshot of the examples' topic (the two fictional
    payers on bariatric surgery)."""
    store, site = tmp_path / "store", tmp_path / "site"
    run_cli("--store", str(store), "add", str(EXAMPLES), env=FIXED, check_codes=(0,))
    run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    [topic] = (site / "topics").glob("*.html")
    assert browser.open(topic.as_uri()) == []
    assert browser.evaluate("document.querySelectorAll('ol.members li').length") == 2
    image = browser.screenshot(ARTIFACTS / "readme-topic-page.png", full_page=False)
    if update_golden or not DOC_IMAGE.exists():
        if not update_golden and os.environ.get("CI"):
            pytest.fail("docs/topic-page.png is missing; run pytest --update-golden and commit it")
        shutil.copyfile(image, DOC_IMAGE)
    data = DOC_IMAGE.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert "docs/topic-page.png" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_what_changed_lists_material_revisions_in_the_window(fictional):
    store, root = fictional["store"], fictional["root"]
    narrow = root / "site-2026"
    run_cli("--store", str(store), "site", str(narrow), "--since", "2026-01-01", env=FIXED, check_codes=(0,))
    text = (narrow / "changes.html").read_text(encoding="utf-8")
    assert "2026-03-01" in text and "Bariatric and Metabolic Surgery" in text
    assert text.count('class="change"') == 1
    later = root / "site-later"
    run_cli("--store", str(store), "site", str(later), "--since", "2026-06-01", env=FIXED, check_codes=(0,))
    assert "No material change in this window." in (later / "changes.html").read_text(encoding="utf-8")
    proc = run_cli("--store", str(store), "site", str(root / "bad"), "--since", "2026-13-01", env=FIXED,
                   check_codes=(2,))
    assert proc.stderr.strip().count("\n") == 0 and "--since 2026-13-01: not a date" in proc.stderr


def _files(site: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(site)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in site.rglob("*") if p.is_file() and not p.name.startswith(".")}


def test_a_rebuild_rewrites_only_pages_whose_inputs_changed(tmp_path):
    store, site = tmp_path / "store", tmp_path / "site"
    run_cli("--store", str(store), "add", str(NW_2025), str(LAKESHORE), env=FIXED, check_codes=(0,))
    run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    before = _files(site)
    again = run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    assert " 0 of " in again.stdout and _files(site) == before
    run_cli("--store", str(store), "add", str(NW_2026), env=FIXED, check_codes=(0,))
    proc = run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    after = _files(site)
    rewritten = {p for p in after if p not in before or after[p][0] != before[p][0]}
    nw = "policies/northwind-health-plan/nw-surg-114.html"
    assert nw in rewritten and "index.html" in rewritten and "changes.html" in rewritten
    assert any(p.startswith("topics/") for p in rewritten)
    assert [p for p in rewritten if p.startswith("sources/")] and len([p for p in rewritten
                                                                       if p.startswith("sources/")]) == 1
    untouched = {"policies/lakeshore-mutual/lm-0457.html", "static/site.css", "static/site.js"}
    assert not untouched & rewritten and untouched <= set(after)
    assert f"{len(rewritten)} of {len(after)} pages written" in proc.stdout
    # the incremental site is the site a fresh build makes
    fresh = tmp_path / "fresh"
    run_cli("--store", str(store), "site", str(fresh), env=FIXED, check_codes=(0,))
    assert {p: c for p, (_, c) in _files(fresh).items()} == {p: c for p, (_, c) in after.items()}


def test_pages_of_a_topic_that_is_gone_are_removed(tmp_path):
    """A topic is named by its members' most common title: a new member can rename it, and the page under
    the old name goes."""
    store, site = tmp_path / "store", tmp_path / "site"
    run_cli("--store", str(store), "add", str(NW_2025), str(LAKESHORE), env=FIXED, check_codes=(0,))
    run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    first = {p.name for p in (site / "topics").iterdir()}
    other = tmp_path / "docs"
    other.mkdir()
    copy = other / "northwind__bariatric-surgery-pdf__2025-03-01.txt"
    copy.write_text(NW_2025.read_text(encoding="utf-8").replace("NW-SURG-114", "NW-SURG-200"), encoding="utf-8")
    run_cli("--store", str(store), "add", str(copy), env=FIXED, check_codes=(0,))
    proc = run_cli("--store", str(store), "site", str(site), env=FIXED, check_codes=(0,))
    now = {p.name for p in (site / "topics").iterdir()}
    assert first == {"surgical-treatment-of-obesity.html"} and now == {"bariatric-and-metabolic-surgery.html"}
    assert "1 removed" in proc.stdout
    check_links(site)


def test_site_refuses_a_folder_it_did_not_make(tmp_path, fictional):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes\n")
    proc = run_cli("--store", str(fictional["store"]), "site", str(folder), check_codes=(2,))
    assert proc.stderr.count("\n") == 1 and "not a policydiff site" in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    proc = run_cli("--store", str(tmp_path / "nowhere"), "site", str(tmp_path / "out"), check_codes=(2,))
    assert "no policy store here" in proc.stderr and not (tmp_path / "out").exists()


def test_site_state_is_a_readable_record_of_pages(fictional):
    """The state kept for rebuilds names every page the site has, each with its digest."""
    site = fictional["site"]
    with sqlite3.connect(site / ".policydiff-site.db") as db:
        recorded = {path for (path,) in db.execute("SELECT path FROM pages WHERE digest IS NOT NULL")}
    assert recorded == {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and
                        not p.name.startswith(".")}


# -- the corpus site: the real documents, the seeds' 5 cm and 4 cm ------------------------------------------------------

def test_corpus_site_pages_open_without_console_errors(corpus, browser):
    site = corpus["site"]
    pages = [site / "index.html", site / "changes.html", *sorted((site / "topics").glob("*.html")),
             *sorted((site / "policies").rglob("*.html"))]
    assert len(pages) > 60
    for page in pages:
        errors = browser.open(page.as_uri())
        assert errors == [], (page.relative_to(site), errors[:3])
    browser.open((site / "index.html").as_uri())
    shot(browser, "corpus-index")
    browser.open((site / "changes.html").as_uri())
    shot(browser, "corpus-changes")


def test_corpus_site_links_resolve(corpus):
    assert check_links(corpus["site"]) > 1000


def test_seed_bars_put_4_cm_before_5_cm(corpus, browser):
    """Hepatocellular carcinoma lesion size: Aspirus ≤ 4 cm, Medical Mutual ≤ 5 cm (the seeds). On the shared
    axis Aspirus's bar ends left of Medical Mutual's, and the tightest cutoff is Aspirus's."""
    site = corpus["site"]
    topics = [p for p in (site / "topics").glob("*.html")
              if "Medical Mutual" in p.read_text(encoding="utf-8") and "Aspirus" in p.read_text(encoding="utf-8")]
    assert len(topics) == 1, [p.name for p in topics]
    errors = browser.open(topics[0].as_uri())
    assert errors == []
    found = browser.evaluate("""(() => {
      const out = [];
      for (const table of document.querySelectorAll('table.grid[data-measure="lesion_size"]')) {
        const lines = {};
        for (const row of table.tBodies[0].rows) {
          const rect = row.querySelector('svg.bar rect.range');
          lines[row.cells[0].textContent] = rect && {
            limit: row.querySelector('td.limit a, td.limit').textContent,
            right: rect.getBoundingClientRect().right, left: rect.getBoundingClientRect().left,
            tightest: row.classList.contains('tightest'),
            href: rect.closest('a').getAttribute('href')};
        }
        out.push(lines);
      }
      return out;
    })()""")
    hcc = [g for g in found if any(v and v["limit"].startswith("≤ 5 cm") for k, v in g.items()
                                   if k.startswith("Medical Mutual"))]
    assert len(hcc) == 1, found
    [(mm_name, mm)] = [(k, v) for k, v in hcc[0].items() if k.startswith("Medical Mutual")]
    [(asp_name, asp)] = [(k, v) for k, v in hcc[0].items() if k.startswith("Aspirus")]
    assert asp["limit"].startswith("≤ 4 cm")
    assert asp["right"] < mm["right"] and abs(asp["left"] - mm["left"]) < 1  # both measured from 0 cm
    assert (mm["right"] - mm["left"]) / (asp["right"] - asp["left"]) == pytest.approx(5 / 4, rel=0.02)
    assert asp["tightest"] and not mm["tightest"]
    # the bar links to the criterion it was read from
    page, anchor = asp["href"].split("#")
    target = (topics[0].parent / page).resolve()
    assert f'id="{anchor}"' in target.read_text(encoding="utf-8")
    browser.evaluate("document.querySelector('table.grid[data-measure=\"lesion_size\"]').scrollIntoView()")
    shot(browser, "corpus-seeds-lesion-size")
    assert re.search(r"4 cm", browser.evaluate("document.body.textContent"))
