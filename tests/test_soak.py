"""`make soak` in small (bench/soak.py): a minute of mixed load on a PostgreSQL and a Redis of
the run's own, with Redis stopped and PostgreSQL restarted under it. No 5xx outside the
outages, no hang, quick recovery, and no write lost or half-made."""

import importlib.util
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_soak():
    spec = importlib.util.spec_from_file_location("bench_soak", BENCH / "soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


soak = load_soak()


def test_a_short_run_with_redis_stopped_and_postgresql_restarted_meets_every_target(tmp_path):
    if soak.postgres_binaries() is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    small = "--duration 50 --rate 4 --redis-outage 8 --users 8 --posts 40 --members 5"
    args = soak.arguments(
        [*small.split(), "--bcrypt-rounds", "4", "--output", str(tmp_path / "RELIABILITY.md")]
    )

    result = soak.run(args)

    assert result["missed"] == []
    assert result["requests"] > 100
    redis, postgres = result["outages"]
    assert redis["answers"] > 10  # the outage happened under load
    assert set(redis["by_status"]) <= {"200", "201", "302", "429"}  # pages, not errors
    assert postgres["recovery_s"] < soak.RECOVERY_TARGET_S
    assert result["writes"]["success"] > 10
    assert result["writes"]["lost"] == result["writes"]["failed_but_stored"] == 0
    assert result["log"]["tracebacks"] == 0
    # Told once per worker, and once again when back: not a line per request.
    assert result["log"]["redis_lines"] <= 2 * args.workers


# --- How the figures are read --------------------------------------------------------------------


def answer(action="anonymous read", started=0.0, seconds=0.01, status=200):
    return soak.Answer(action, started, seconds, status)


def figures_of(tmp_path, monkeypatch, answers, outages):
    class Recorded:
        pass

    load = Recorded()
    load.answers, load.writes = list(answers), []
    log = tmp_path / "site.log"
    log.write_text("")
    nothing_lost = {"lost": 0, "failed_but_stored": 0}  # no database here
    monkeypatch.setattr(soak, "check_writes", lambda writes, url: nothing_lost)
    return soak.figures(load, outages, "", log)


def test_errors_during_an_outage_are_not_counted_outside_it_but_a_500_misses_a_target(
    tmp_path, monkeypatch
):
    outage = soak.Outage("PostgreSQL restarted", 10.0, 12.0)
    answers = [
        answer(started=5),
        answer(started=10.5, status=503),
        answer(started=11, status=500),
        answer(started=13, status=503),  # within the recovery allowed: recovery 1.01 s
        answer(started=30, status=502),  # long after: an error outside the outages
        answer(started=39.5, seconds=0.6, status=503),  # cut by the next fault, at 40 s
    ]

    following = soak.Outage("Redis stopped", 40.0, 50.0)
    result = figures_of(tmp_path, monkeypatch, answers, [outage, following])
    result["missed"] = soak.targets_met(result)

    assert result["errors_outside_outages"] == 1
    window, _ = result["outages"]
    assert window["by_status"] == {"500": 1, "503": 1}
    assert window["recovery_s"] == pytest.approx(18.01)  # the 502 at 30 s counts too
    assert any("errors other than 503" in missed for missed in result["missed"])
    assert any("to recover" in missed for missed in result["missed"])


def test_only_the_generated_part_of_the_document_is_rewritten(tmp_path):
    doc = tmp_path / "RELIABILITY.md"
    doc.write_text(f"# Reliability\n\nWritten by hand.\n\n{soak.BEGIN}\nold\n{soak.END}\nAfter.\n")
    result = {
        "date": "2026-12-03 10:00 UTC", "duration_s": 60, "rate": 4, "workers": 2,
        "machine": {"cpu": "2 cores"}, "requests": 240, "errors_outside_outages": 0,
        "slow_outside_outages": 0, "outages": [], "by_action": {}, "by_status": {"200": 240},
        "writes": {"tried": 5, "success": 5, "failure": 0, "unknown": 0, "lost": 0,
                   "failed_but_stored": 0},
        "log": {"redis_lines": 4, "database_lines": 2, "tracebacks": 0}, "missed": [],
    }  # fmt: skip

    soak.write_document(result, doc)

    text = doc.read_text()
    assert text.startswith("# Reliability\n\nWritten by hand.\n")
    assert text.endswith(f"{soak.END}\nAfter.\n")
    assert "old" not in text
    assert "| requests served | 240 | |" in text
    assert "Verdict: every target met." in text
