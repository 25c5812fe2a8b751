"""The HTML agreement report as a reader sees it: heatmap colours and legend, the words behind
each disagreement, notes in place, and the page as headless Chromium renders it."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from workbench.agreement.render import render
from workbench.agreement.counting import build_report
from workbench.agreement.results import ReportDocument

TEXT = "Kyiv said 12 drones were shot down overnight, officials reported on Monday."
TITLE = "Drones over Kyiv <b>"


@pytest.fixture
def page():
    spans = {
        "alice": [(0, 4, "source", "Q1"), (10, 18, "figure", None), (46, 55, "source", "Q2")],
        "bob": [(0, 4, "source", "Q1"), (10, 17, "figure", None)],
        "carol": [(0, 4, "claim", None), (10, 18, "figure", None), (46, 55, "source", "Q2")],
    }
    report = build_report([ReportDocument("d" * 20, TEXT, spans, TITLE)],
                          ["alice", "bob", "carol"], ["claim", "source", "figure"], "because")
    return render(report, "html")


class Cells(HTMLParser):
    """Every td: its attributes and text, grouped by the h2 section it follows."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[dict]] = {}
        self.section = ""
        self.cell: dict | None = None
        self.heading: list[str] | None = None
        self.legends = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h2":
            self.heading = []
        elif tag == "td":
            self.cell = {**attrs, "text": ""}
            self.sections.setdefault(self.section, []).append(self.cell)
        elif tag == "div" and attrs.get("class") == "legend":
            self.legends += 1

    def handle_endtag(self, tag):
        if tag == "h2":
            self.section, self.heading = "".join(self.heading), None
        elif tag == "td":
            self.cell = None

    def handle_data(self, data):
        if self.heading is not None:
            self.heading.append(data)
        if self.cell is not None:
            self.cell["text"] += data


def parse(page: str) -> Cells:
    cells = Cells()
    cells.feed(page)
    return cells


def luminance(colour: str) -> float:
    red, green, blue = (int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_heatmap_is_a_sequential_scale_from_the_lowest_value_with_a_legend_and_blank_diagonal(page):
    cells = parse(page)
    heat = cells.sections["Pairwise F1 heatmap (overlap, all labels)"]
    diagonal = [cell for cell in heat if "self" in cell["class"]]
    assert len(diagonal) == 3 and all(not cell["text"] and "data-value" not in cell for cell in diagonal)
    valued = [cell for cell in heat if "data-value" in cell]
    assert sorted({cell["text"] for cell in valued}) == ["0.400", "0.667", "0.800"]
    assert all(cell["text"] == cell["data-value"] for cell in valued)
    background = {cell["text"]: cell["style"].split("background:")[1].split(";")[0] for cell in valued}
    # Sequential: brightness rises with the value; the lowest value shown starts the scale.
    assert luminance(background["0.400"]) < luminance(background["0.667"]) < luminance(background["0.800"])
    assert background["0.400"] == "#440154"
    assert "hsl(" not in page  # the red-green hue ramp is gone
    assert cells.legends == 2 and "<span>0.40</span>" in page


def test_close_values_get_clearly_different_colours():
    spans = {"a": [(0, 4, "x"), (5, 9, "x"), (10, 14, "x"), (15, 19, "x"), (20, 24, "x"), (25, 29, "x"),
                   (30, 34, "x")]}
    spans["b"] = spans["a"][:6]  # F1 with a: 12/13 = 0.923
    spans["c"] = spans["a"][:5] + [(31, 34, "x")]  # with a: 10/13 = 0.769
    report = build_report([ReportDocument("e" * 20, "x" * 40, spans, "t")], ["a", "b", "c"], ["x"], "all")
    heat = parse(render(report, "html")).sections["Pairwise F1 heatmap (exact, all labels)"]
    colours = {cell["text"]: cell["style"].split("background:")[1].split(";")[0]
               for cell in heat if "data-value" in cell}
    high, low = colours["0.923"], colours["0.769"]
    assert abs(luminance(high) - luminance(low)) > 0.3


def test_disagreements_show_the_title_and_the_words_each_annotator_marked(page):
    rows = parse(page).sections["Disagreements"]
    texts = [cell["text"] for cell in rows]
    assert "Drones over Kyiv <b>" in texts and "d" * 12 not in texts
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert "12 drone figure 10–18" in texts and "12 dron figure 10–17" in texts
    assert "nothing marked" in texts


def test_values_with_a_note_show_it_in_place(page):
    cells = parse(page).sections["Chance-corrected agreement on tokens (IN/OUT per label) and unitizing alpha"]
    noted = [cell for cell in cells if "title" in cell]
    assert {cell["title"] for cell in noted} == {"perfect agreement",
                                                 "only one category observed: agreement is trivially perfect"}
    assert "see the JSON" not in page
    assert "<li value=\"1\">only one category observed: agreement is trivially perfect</li>" in page


BROWSER = next((name for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium)")
def test_headless_chromium_loads_the_page_offline_and_shows_the_values(page, tmp_path):
    path = tmp_path / "agreement.html"
    path.write_text(page, encoding="utf-8")
    result = subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "net::ERR" in line]
    assert errors == []
    rendered = parse(result.stdout)
    heat = rendered.sections["Pairwise F1 heatmap (exact, all labels)"]
    assert sorted(cell["data-value"] for cell in heat if "data-value" in cell) == [
        "0.000", "0.000", "0.400", "0.400", "0.667", "0.667"]
    assert all(cell["text"] == cell["data-value"] for cell in heat if "data-value" in cell)
