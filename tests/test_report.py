"""The owner's report: figures from a real store, terminal tables, and the HTML page rendered in real Chromium."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.engine import PolicyEngine
from assistant.report import build_report, report_html, report_text
from assistant.service import AnswerService
from assistant.store import Store

POLICY = "glenmere-social-media-policy-2023-24.md"
TODAY = date(2026, 11, 25)
ANSWERED = ["Can I accept a friend request from a parent?", "Can I use the school logo on my own website?",
            "Can I give my mobile number to a pupil?"]
SILENT = ["How many days of annual leave do I get?", "How much annual leave am I entitled to?",
          "How do I claim back travel expenses?"]
LOGO = "The use of the school's name, logo, or any other published material without written prior permission"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def recorded(settings, engine, embedder, tmp_path_factory):
    """A store with a week of questions: answered, abstained, one from a verified answer, a 👎 and a suggestion."""
    base = tmp_path_factory.mktemp("report")
    own = settings.model_copy(update={"db_path": base / "report.db"})
    service = AnswerService(own, PolicyEngine(own, engine.index, embedder), Store(own.db_path))
    service.verify(["Can I put the school logo on my personal website?"], POLICY, LOGO, verified_by="Mrs Head")
    ids = []
    for n, question in enumerate(ANSWERED * 2 + SILENT + ["Can I give my mobile number to a pupil?"]):
        ids.append((service.answer(question, platform="slack", user=f"U{n}").question_id, n))
    down = ids[2][0]
    service.feedback(down, "down", "slack", user="U2")
    service.suggest(down, 1, user="U2", platform="slack")
    with sqlite3.connect(own.db_path) as db:  # spread the questions over the last week
        for question_id, n in ids:
            day = TODAY - timedelta(days=n % 6)
            db.execute("UPDATE questions SET asked_at=? WHERE id=?", (f"{day.isoformat()}T10:00:00+00:00", question_id))
    return service, own


def test_report_figures(recorded, embedder):
    service, own = recorded
    report = build_report(service.store, service.documents(), embedder, since_days=7, today=TODAY)
    assert report.asked == 10 and report.answered == 7
    assert sum(d.abstained for d in report.days) == 3 and len(report.days) == 7
    assert report.most_asked[0] == ("Can I give my mobile number to a pupil?", 3)
    assert report.verified_answered == 2  # the logo question, asked twice, matched the verified answer
    leave = report.gaps[0]
    assert leave.times == 2 and {g.question for g in leave.questions} == set(SILENT[:2])
    assert [d.question for d in report.disliked] == ["Can I give my mobile number to a pupil?"]
    assert report.disliked[0].citations and report.disliked[0].citations[0].source == POLICY
    assert [s.question for s in report.suggestions] == ["Can I give my mobile number to a pupil?"]
    assert [d.source for d in report.overdue] == [POLICY]  # due June 2024
    assert report.top_sections and report.top_sections[0][1] >= 2

    text = report_text(report)
    assert "10 questions, 7 answered, 3 abstained; answered from verified answers: 2 (29%)" in text
    assert "Policies past their review date" in text and "Social Media Policy 2023-24" in text

    # a shorter window leaves the older questions out
    assert build_report(service.store, [], None, since_days=1, today=TODAY).asked == 2


def test_report_html_is_self_contained(recorded, embedder):
    service, _ = recorded
    page = report_html(build_report(service.store, service.documents(), embedder, since_days=7, today=TODAY))
    assert page.count("<svg") == 3 and "<script" not in page
    assert not re.search(r"(?:src|href)\s*=|url\(|@import", page)  # nothing fetched


def test_report_escapes_what_people_typed(settings, engine, embedder, tmp_path):
    own = settings.model_copy(update={"db_path": tmp_path / "x.db"})
    service = AnswerService(own, PolicyEngine(own, engine.index, embedder), Store(own.db_path))
    service.answer("<script>alert(1)</script> how many days of annual leave?", platform="cli")
    page = report_html(build_report(service.store, [], embedder, today=date.today()))
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_command(recorded, tmp_path, monkeypatch):
    service, own = recorded
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(own.db_path))
    monkeypatch.setenv("POLICY_ASSISTANT_TODAY", TODAY.isoformat())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--since", "7d", "--html", str(out), "--index", str(own.index_dir)])
    assert result.exit_code == 0, result.output
    assert "Questions per day" in result.output and "Unanswered, grouped by meaning" in result.output
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    bad = CliRunner().invoke(main, ["report", "--since", "a while"])
    assert bad.exit_code == 2 and "30d" in bad.output and "Traceback" not in bad.output


# A probe added to a copy of the page for the test only: it writes what Chromium laid out into the DOM.
PROBE = """<script>
addEventListener('load', () => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
                     const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const out = {};
  for (const id of ['chart-days', 'chart-answered', 'chart-sections', 'most-asked', 'gaps', 'disliked',
                    'suggestions', 'overdue']) out[id] = box('#' + id);
  out.answeredBars = [...document.querySelectorAll('#chart-days rect.answered')].filter(r => r.getBBox().height > 0).length;
  out.sectionBars = document.querySelectorAll('#chart-sections g.section').length;
  out.rows = Object.fromEntries([...document.querySelectorAll('table')].map(t => [t.id, t.tBodies[0].rows.length]));
  document.body.setAttribute('data-layout', JSON.stringify(out));
});
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium(recorded, embedder, tmp_path):
    service, _ = recorded
    page = report_html(build_report(service.store, service.documents(), embedder, since_days=7, today=TODAY))
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), "utf-8")
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri())
    layout = json.loads(re.search(r'data-layout="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    for chart, least in (("chart-days", 100), ("chart-answered", 100), ("chart-sections", 30)):
        width, height = layout[chart]
        assert width > 100 and height > least, (chart, layout[chart])
    assert layout["answeredBars"] == 6  # six days had answered questions
    assert layout["sectionBars"] >= 2
    assert layout["rows"] == {"most-asked": 6, "gaps": 2, "disliked": 1, "suggestions": 1, "overdue": 1}

    plain = tmp_path / "report.html"
    plain.write_text(page, "utf-8")
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,1700", "--hide-scrollbars", plain.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    done = subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
