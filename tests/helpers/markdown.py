"""Counting the work of the Markdown renderer, for tests that bound it without timing it."""

from contextlib import contextmanager

from flaskblog import rendering


@contextmanager
def counted_lookahead():
    """`with counted_lookahead() as steps:` then `steps[0]` is how many tokens the search
    for links' labels skipped (markdown-it's skipToken) while rendering."""
    steps = [0]
    inline = rendering._markdown.inline
    skip_token = inline.skipToken

    def counted(state):
        steps[0] += 1
        return skip_token(state)

    inline.skipToken = counted
    try:
        yield steps
    finally:
        del inline.skipToken  # the class's own method again
