"""Counting and recording the SQL an app runs."""

from contextlib import contextmanager

from sqlalchemy import event

from flaskblog.extensions import db


@contextmanager
def statements_run(app, with_parameters: bool = False):
    """Every SQL statement `app` runs inside the block, as (statement, parameters) pairs
    when `with_parameters` (to EXPLAIN them again), else as the statements alone."""
    captured: list = []

    def record(conn, cursor, statement, parameters, *args):
        captured.append((statement, parameters) if with_parameters else statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(client, count_queries, url: str) -> int:
    """How many SQL statements one GET of `url` runs (after checking that it is a 200)."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def queries_with_and_without_login(client, auth, count_queries, url: str, email: str) -> dict:
    """SQL statements for one GET of `url`, by an anonymous visitor and by the reader with
    this email logged in (logged out again after): {"anonymous": ..., "reader": ...}."""
    counts = {"anonymous": queries_for(client, count_queries, url)}
    auth.login(email)
    counts["reader"] = queries_for(client, count_queries, url)
    auth.logout()
    return counts
