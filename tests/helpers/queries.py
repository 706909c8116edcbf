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


@contextmanager
def database_work(app):
    """How much work the database did for the statements `app` runs inside the block, as a
    one-item list filled in when the block ends: comparable between two blocks, not a time.

    SQLite: steps of its virtual machine, in hundreds (a row read, compared or sorted is a
    few steps; work inside the full-text index's C code is not counted). PostgreSQL: the
    rows that every node of each SELECT's plan handled, by EXPLAIN ANALYZE run again.
    """
    total = [0]
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        with statements_run(app, with_parameters=True) as statements:
            yield total
        with app.app_context():
            connection = db.session.connection()
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            for sql, params in statements:
                if sql.lstrip().upper().startswith("SELECT"):
                    explain = f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"
                    [[plan]] = connection.exec_driver_sql(explain, params).all()
                    total[0] += _rows_handled(plan[0]["Plan"])
            db.session.rollback()
        return
    steps = [0]
    hooked = set()

    def count(*_args) -> int:
        steps[0] += 1
        return 0

    def hook(conn, *_args) -> None:
        raw = conn.connection.driver_connection
        if id(raw) not in hooked:
            raw.set_progress_handler(count, 100)
            hooked.add(id(raw))
            connections.append(raw)

    connections: list = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield total
    finally:
        event.remove(engine, "before_cursor_execute", hook)
        for raw in connections:
            raw.set_progress_handler(None, 0)
    total[0] = steps[0]


def _rows_handled(node: dict) -> int:
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    return int(rows) + sum(_rows_handled(child) for child in node.get("Plans", ()))


def sqlite_plan(app, sql: str, params) -> list[tuple[int, int, str]]:
    """SQLite's EXPLAIN QUERY PLAN for `sql`: (node, parent, detail) rows."""
    with app.app_context():
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        return [(row[0], row[1], row[3]) for row in rows]


def postgresql_plan(app, sql: str, params) -> str:
    """PostgreSQL's EXPLAIN for `sql` with sequential and bitmap scans off, so that an index
    the planner could use shows on a few rows too."""
    with app.app_context():
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in rows)
        db.session.rollback()
        return plan
