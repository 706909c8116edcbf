"""What the header counts as unread for a logged-in reader, read with their login.

Every page a reader sees logged in shows the counts, so they cost no query of their own: the
login's lookup (load_user) selects them as scalar subqueries beside the login row, each an
index range on a partial index of unread rows. A view that changes them before it renders
(reading a conversation) calls forget_unread_counts(), and the next read asks once more.

A new count is one more entry in unread_columns().
"""

from flaskblog.extensions import db
from flaskblog.models.message import unread_messages_of

# Where load_user leaves the counts on the user object for this request.
_LOADED = "_unread_counts"


def unread_columns(user_id) -> list:
    """The counts as scalar subqueries on `user_id` (an id or a column), each labelled
    with its name in unread_counts()."""
    return [unread_messages_of(user_id).label("messages")]


def keep_unread_counts(user, row) -> None:
    """Note on `user` the counts a statement selected with unread_columns() (its `row`)."""
    setattr(user, _LOADED, {column.name: row._mapping[column.name] for column in _NAMED})


def forget_unread_counts(user) -> None:
    """The counts changed in this request: the next unread_counts() reads them again."""
    if hasattr(user, _LOADED):
        delattr(user, _LOADED)


def unread_counts(user) -> dict[str, int]:
    """`user`'s unread counts ({"messages": n}): those read with the login, else one query."""
    counts = getattr(user, _LOADED, None)
    if counts is None:
        row = db.session.execute(db.select(*unread_columns(user.id))).one()
        keep_unread_counts(user, row)
        counts = getattr(user, _LOADED)
    return counts


# The columns' names, for reading them back from a row.
_NAMED = unread_columns(0)
