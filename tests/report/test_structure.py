"""``metakinetics report``: every section present, every image an embedded PNG that decodes,
nothing to fetch (no scripts, no links, no external URLs), the fit's numbers, flags, citations,
checksums and versions in it; bad input is one line with exit 2."""
from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from metakinetics import __version__
from metakinetics.cli.main import main
from metakinetics.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _parse(text: str) -> list[tuple[str, dict]]:
    p = _Collect()
    p.feed(text)
    return p.tags


def test_every_section_present_in_order(report_path):
    tags = _parse(report_path.read_text())
    ids = [a["id"] for t, a in tags if t == "section"]
    assert ids == list(SECTIONS)


def test_every_image_is_an_embedded_png_that_decodes(report_path):
    tags = _parse(report_path.read_text())
    imgs = [a for t, a in tags if t == "img"]
    result = json.loads((ROOT / "fits" / "breast" / "result.json").read_text())
    # 20 equations of the breast model that have a form (9 have none) + one figure per data set
    assert len(imgs) == 20 + len(result["datasets"])
    for a in imgs:
        prefix = "data:image/png;base64,"
        assert a["src"].startswith(prefix) and a.get("alt")
        raw = base64.b64decode(a["src"][len(prefix):], validate=True)
        with Image.open(io.BytesIO(raw)) as im:
            assert im.format == "PNG" and im.size[0] > 10 and im.size[1] > 5
            im.load()  # decodes every pixel (a truncated image raises)


def test_nothing_to_fetch(report_path):
    text = report_path.read_text()
    tags = _parse(text)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    for t, a in tags:
        for k, v in a.items():
            if k in ("src", "href"):
                assert v.startswith(("data:", "#")), f"<{t} {k}={v[:60]}>"
    assert "url(" not in text and "@import" not in text and "http://" not in text and "https://" not in text


def test_contents(report_path):
    text = report_path.read_text()
    result = json.loads((ROOT / "fits" / "breast" / "result.json").read_text())
    for e in result["estimates"]:
        assert f"<td>{e['name']}</td>" in text
        assert f"{e['lower']:.4g}" in text and f"{e['upper']:.4g}" in text
    assert "high correlation with organs.lung.efficiency" in text  # the identifiability flags
    for d in result["datasets"]:
        assert d["sha256"] in text and d["citation"].replace("&", "&amp;") in text
        assert f'id="data-{d["label"]}"' in text
    assert f"<td>metakinetics (this report)</td><td>{__version__}</td>" in text
    assert "Shaded bands" in text and "over 20 parameter sets" in text


@pytest.mark.parametrize("args, message", [
    (["--draws", "-1"], "--draws must be 0 or more"),
    (["--result", "/nonexistent/result.json"], "cannot read the recorded fit result"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "r.html"
    assert main(["report", str(ROOT / "fits" / "breast"), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()
