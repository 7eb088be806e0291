"""The Markdown documentation: every relative link and image resolves, every #anchor names a
heading of its target (by GitHub's rules), and the README stays a short front door."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MOST_LINES = 250
README_RUN_WITHIN = 30

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# a code span may wrap onto the next line, never across a blank one
CODE_SPAN = re.compile(r"(`+)((?:(?!\n[ \t]*\n).)+?)\1", re.DOTALL)
# [text](target) and ![alt](target), with an optional "title"; text may hold code spans
LINK = re.compile(r"!?\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?P<target><[^>]*>|[^\s()]+)")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
EXTERNAL = ("http:", "https:", "mailto:")


def doc_files() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for every line outside fenced code blocks."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        else:
            lines.append((number, line))
    return lines


def blank_code_spans(text: str) -> str:
    """``text`` with every code span's content turned to x (line breaks kept): code holds no
    links, but a link's text may hold a code span."""

    def blank(match: re.Match) -> str:
        inner = re.sub(r"[^\n]", "x", match.group(2))
        return match.group(1) + inner + match.group(1)

    return CODE_SPAN.sub(blank, text)


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every inline link and image outside code."""
    prose = dict(prose_lines(text))
    total = len(text.splitlines())
    kept = "\n".join(prose.get(number, "") for number in range(1, total + 1))
    found = []
    for number, line in enumerate(blank_code_spans(kept).splitlines(), start=1):
        for match in LINK.finditer(line):
            found.append((number, match.group("target").strip("<>")))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lowercased, punctuation dropped
    (except hyphens and underscores), each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*)", "", text)
    kept = [
        c
        for c in text.lower()
        if c in " -_" or unicodedata.category(c)[0] in "LNM"  # letters, numbers, marks
    ]
    return "".join(kept).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose_lines(text):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(path: Path) -> list[str]:
    """One message per link in ``path`` that does not resolve: file, line, link, what is
    missing."""
    problems = []
    text = path.read_text(encoding="utf-8")
    for number, target in links(text):
        if target.lower().startswith(EXTERNAL):
            continue
        where = f"{path.name}:{number}: link ({target})"
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            problems.append(f"{where}: no file or folder {resolved}")
            continue
        if not anchor:
            continue
        if resolved.is_dir() or resolved.suffix.lower() != ".md":
            problems.append(f"{where}: #{anchor} points into {resolved.name}, not Markdown")
            continue
        known = anchors(resolved.read_text(encoding="utf-8"))
        if anchor not in known:
            problems.append(
                f"{where}: no heading with anchor #{anchor} in {resolved.name} "
                f"(its anchors: {', '.join(sorted(known))})"
            )
    return problems


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    problems = broken_links(path)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_docs_folder_has_markdown():
    assert len(doc_files()) > 2, "no docs/*.md found"


def test_the_readme_is_a_short_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES, (
        f"README.md has {len(lines)} lines, more than {README_MOST_LINES}: move detail to docs/"
    )
    first = "\n".join(lines[:README_RUN_WITHIN])
    for command in ("make run", "make test"):
        assert command in first, f"README.md: `{command}` is not in its first 30 lines"


def test_github_anchors():
    assert slug("0 · Training") == "0--training"
    assert slug("9 · Spectrum of W_hh") == "9--spectrum-of-w_hh"
    assert slug("7 · What if the shape is wrong?") == "7--what-if-the-shape-is-wrong"
    assert slug("Weights: initial, trained, PyTorch's or your own model") == (
        "weights-initial-trained-pytorchs-or-your-own-model"
    )
    assert slug("The `--json` keys") == "the---json-keys"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n## B ##\n") == {"a", "a-1", "b"}


def test_the_checker_finds_a_broken_link_and_a_broken_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n", encoding="utf-8")
    (tmp_path / "here.md").write_text(
        "# Here\n\n"
        "[fine](other.md#a-section) [self](#here) [web](https://example.com/x#y)\n"
        "![missing picture](pics/none.png)\n"
        "[bad anchor](other.md#no-such-section) and [bad self](#nowhere)\n"
        "`[in code](gone.md)`, `a code span\nthat wraps [x](gone.md)` and [bad](#too)\n"
        "```\n[in a fence](gone.md)\n```\n",
        encoding="utf-8",
    )
    problems = broken_links(tmp_path / "here.md")
    assert len(problems) == 4, problems
    assert "here.md:4: link (pics/none.png): no file or folder" in problems[0]
    assert "here.md:5: link (other.md#no-such-section): no heading with anchor" in problems[1]
    assert "#no-such-section in other.md" in problems[1]
    assert "here.md:5: link (#nowhere): no heading with anchor #nowhere in here.md" in problems[2]
    assert "here.md:7: link (#too): no heading with anchor #too" in problems[3]
