"""Comparing two versions of a post (flaskblog.diffs): what was removed and added, line by
line for the content and word by word for short fields, at a bounded cost whatever the
input."""

import random
import time

from flaskblog.diffs import MAX_WORK, BoundedMatcher, diff_lines, diff_words
from flaskblog.rendering import render_markdown

# A comparison of two 50,000-character versions may cost at most this many times what
# rendering one of them costs, measured in the same run (a ratio, since the machine may be
# busy): 0.03 to 0.4 measured for the shapes below; without the bound, 1.9 s against a render
# of a few milliseconds.
SLOWEST = 5


def changes(field) -> list[tuple[str, str]]:
    return [(piece.change, piece.text) for piece in field.pieces]


def best_of_three(work, *args) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def times_a_render(old: str, new: str) -> float:
    """How many renders of the longer version the comparison costs."""
    comparing = best_of_three(diff_lines, "Content", old, new)
    return comparing / best_of_three(render_markdown, max(old, new, key=len))


def test_a_changed_line_shows_as_removed_then_added_between_the_same_lines():
    old = "# Title\n\nFirst paragraph.\n\nLast paragraph.\n"
    new = "# Title\n\nThe first paragraph, rewritten.\n\nLast paragraph.\n"

    field = diff_lines("Content", old, new)

    assert field.changed and not field.coarse
    assert changes(field) == [
        ("same", "# Title\n\n"),
        ("removed", "First paragraph.\n"),
        ("added", "The first paragraph, rewritten.\n"),
        ("same", "\nLast paragraph.\n"),
    ]


def test_short_fields_are_compared_word_by_word():
    field = diff_words("Title", "My first post", "My second post")

    assert changes(field) == [
        ("same", "My "),
        ("removed", "first "),
        ("added", "second "),
        ("same", "post"),
    ]


def test_the_same_text_has_no_changes():
    assert not diff_lines("Content", "One.\nTwo.\n", "One.\nTwo.\n").changed
    assert not diff_words("Tags", "", "").changed


def test_repeated_lines_that_once_took_seconds_are_compared_quickly():
    # 632 lines of "a" against 316 of "a" and "b": plain difflib took about two seconds.
    old, new = "a\n" * 632, "a\nb\n" * 316

    assert times_a_render(old, new) < SLOWEST


def test_the_worst_50000_character_versions_found_stay_within_the_bound():
    shapes = [(12_000, 12_000, 1_000), (5_000, 12_000, 300), (24_000, 2_000, 101), (632, 632, 2)]
    rng = random.Random(12)
    for old_lines, new_lines, distinct in shapes:
        old = "".join(f"{rng.randrange(distinct)}\n" for _ in range(old_lines))[:50_000]
        new = "".join(f"{rng.randrange(distinct)}\n" for _ in range(new_lines))[:50_000]

        assert times_a_render(old, new) < SLOWEST, (old_lines, new_lines, distinct)


def test_past_the_work_bound_the_middle_is_shown_removed_and_added_whole():
    rng = random.Random(3)
    old = "start\n" + "".join(f"{rng.randrange(300)}\n" for _ in range(10_000)) + "end\n"
    new = "start\n" + "".join(f"{rng.randrange(300)}\n" for _ in range(10_000)) + "end\n"

    field = diff_lines("Content", old, new)

    assert field.coarse
    assert [change for change, _ in changes(field)] == ["same", "removed", "added", "same"]
    assert changes(field)[1][1] == old.removeprefix("start\n").removesuffix("end\n")


def test_the_matcher_charges_its_work_before_doing_it():
    matcher = BoundedMatcher(["x"] * 10, ["y"] * 10, budget=MAX_WORK)

    matcher.get_opcodes()

    assert matcher.budget == MAX_WORK - 10  # each line of old once, nothing found
