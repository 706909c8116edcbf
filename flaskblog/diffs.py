"""What changed between two versions of a post's text, for the revisions page, at a bounded cost.

difflib's SequenceMatcher can cost far more than (lines of one) x (lines of the other):
with repeated lines its recursion makes it about cubic (600 lines of "a" against 600 of
"a" and "b" took two seconds). So the lines both versions begin and end with are set
aside first (free), and the matcher counts the work it does (the entries of its index it
visits) against MAX_WORK; past that, the part between is shown as removed and added whole.
Lines that repeat a lot (blank ones) are "popular" to difflib and cost nothing. The worst
case measured, whatever the input of two 50,000-character versions, is about 40 ms
(docs/SECURITY.md, "Revisions").
"""

import difflib
import re
from dataclasses import dataclass
from itertools import accumulate

from flask_babel import gettext as _

# Index entries the matcher may visit for one field: some 40 ms of work at most.
MAX_WORK = 300_000


class TooCostly(Exception):
    """The comparison would take longer than MAX_WORK allows."""


class BoundedMatcher(difflib.SequenceMatcher):
    """SequenceMatcher that gives up (TooCostly) once it has visited MAX_WORK index entries.

    Each search for the longest match visits, for every line of `a` in its range, the
    places that line occurs in `b`: their number, summed beforehand, is charged before
    the search runs.
    """

    def __init__(self, a: list[str], b: list[str], budget: int = MAX_WORK) -> None:
        super().__init__(None, a, b)  # autojunk: lines in over 1% of b are skipped
        self.budget = budget
        occurrences = (len(self.b2j.get(line, ())) + 1 for line in a)
        self.work_before = [0, *accumulate(occurrences)]

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        self.budget -= self.work_before[ahi] - self.work_before[alo]
        if self.budget < 0:
            raise TooCostly
        return super().find_longest_match(alo, ahi, blo, bhi)


@dataclass(frozen=True)
class Piece:
    """A run of text both versions hold ("same"), or only the old ("removed") or new ("added")."""

    change: str
    text: str


@dataclass(frozen=True)
class FieldDiff:
    """One field's pieces, and whether it changed at all."""

    label: str
    pieces: list[Piece]
    coarse: bool = False  # too different to compare line by line: shown removed and added whole

    @property
    def changed(self) -> bool:
        return any(piece.change != "same" for piece in self.pieces)


def _pieces(old: list[str], new: list[str], joiner: str) -> list[Piece]:
    """Raises TooCostly if the comparison would cost more than MAX_WORK."""
    pieces = []
    for tag, i1, i2, j1, j2 in BoundedMatcher(old, new).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", joiner.join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", joiner.join(old[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", joiner.join(new[j1:j2])))
    return pieces


def diff_words(label: str, old: str, new: str) -> FieldDiff:
    """A short field (title, tags, summary: a few hundred characters) word by word."""
    old_words, new_words = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    try:
        return FieldDiff(label, _pieces(old_words, new_words, ""))
    except TooCostly:
        return FieldDiff(label, _whole(old, new), coarse=True)


def _whole(old: str, new: str) -> list[Piece]:
    pieces = [Piece("removed", old), Piece("added", new)]
    return [piece for piece in pieces if piece.text]


def diff_lines(label: str, old: str, new: str) -> FieldDiff:
    """A long field (the content) line by line, within MAX_WORK."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    start = 0
    while start < min(len(old_lines), len(new_lines)) and old_lines[start] == new_lines[start]:
        start += 1
    end = 0
    while (
        end < min(len(old_lines), len(new_lines)) - start
        and old_lines[-1 - end] == new_lines[-1 - end]
    ):
        end += 1
    head = [Piece("same", "".join(old_lines[:start]))] if start else []
    tail = [Piece("same", "".join(old_lines[len(old_lines) - end :]))] if end else []
    old_middle = old_lines[start : len(old_lines) - end]
    new_middle = new_lines[start : len(new_lines) - end]
    try:
        middle, coarse = _pieces(old_middle, new_middle, ""), False
    except TooCostly:
        middle, coarse = _whole("".join(old_middle), "".join(new_middle)), True
    return FieldDiff(label, head + middle + tail, coarse)


def diff_post(revision, post_fields: dict) -> list[FieldDiff]:
    """The revision (old) against the post's current fields (new): title, tags, summary, content."""
    return [
        diff_words(_("Title"), revision.title, post_fields["title"]),
        diff_words(_("Tags"), revision.tags, post_fields["tags"]),
        diff_words(_("Summary"), revision.summary or "", post_fields["summary"] or ""),
        diff_lines(_("Content"), revision.content, post_fields["content"]),
    ]
