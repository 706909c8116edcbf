"""gunicorn.conf.py: production defaults that follow the platform's PORT and WEB_CONCURRENCY,
with gunicorn's access log off in favour of the app's own request lines."""

import multiprocessing
import runpy

from config import BASE_DIR

CONF = str(BASE_DIR / "gunicorn.conf.py")


def settings(monkeypatch, **env) -> dict:
    for name in ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)


def test_the_platform_sets_the_port_and_the_number_of_workers(monkeypatch):
    conf = settings(monkeypatch, PORT="5123", WEB_CONCURRENCY="3")

    assert conf["bind"] == "0.0.0.0:5123"
    assert conf["workers"] == 3


def test_without_the_platform_two_workers_per_core_and_one_capped_at_nine(monkeypatch):
    conf = settings(monkeypatch)

    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == min(2 * multiprocessing.cpu_count() + 1, 9)


def test_the_app_logs_requests_and_workers_stop_gracefully_before_the_platform_kills_them(
    monkeypatch,
):
    conf = settings(monkeypatch)

    assert conf["accesslog"] is None
    assert conf["errorlog"] == "-"
    assert conf["graceful_timeout"] < 30 <= conf["timeout"]
    assert conf["preload_app"] is False
    assert conf["control_socket_disable"] is True


def test_forwarded_headers_are_left_to_proxyfix(monkeypatch):
    assert settings(monkeypatch)["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert settings(monkeypatch, FORWARDED_ALLOW_IPS="10.0.0.0/8")["forwarded_allow_ips"] == (
        "10.0.0.0/8"
    )
