"""Fixtures of the search tests."""

import pytest


@pytest.fixture
def zoo(make_user, make_posts):
    """Alice's three posts about animals, in the order she wrote them."""
    alice = make_user("alice")
    make_posts(alice, 1, title="Walrus watching", content="Tusks, whiskers and a nap on the ice.")
    make_posts(alice, 1, title="Penguin parade", content="They waddle to the sea at dusk.")
    make_posts(alice, 1, title="Seals", content="Seals and one walrus share the rocks.")
    return alice
