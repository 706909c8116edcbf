"""`flask users reset-2fa USERNAME`: two-factor login off for someone who lost their phone
and their recovery codes, written to the security log."""

import json
import logging

from flaskblog.extensions import db
from flaskblog.models import RecoveryCode, User, UserSession
from tests.helpers.pages import AuthActions, Forms, page_text
from tests.helpers.two_factor import code_for, second_step, turn_on_two_factor


def reset(app, username: str):
    return app.test_cli_runner().invoke(args=["users", "reset-2fa", username])


def test_reset_turns_two_factor_off_ends_logins_and_is_logged(app, alice, caplog):
    secret, _ = turn_on_two_factor(app, alice)
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login()
    second_step(forms, code_for(secret))
    caplog.set_level(logging.INFO, logger="flaskblog.security")

    result = reset(app, "Alice")

    assert result.exit_code == 0
    assert "Two-factor login is off for alice" in result.output
    with app.app_context():
        user = db.session.get(User, alice)
        assert not user.has_two_factor
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
        assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "flaskblog.security"]
    [event] = [event for event in events if event["event"] == "admin_two_factor_reset"]
    assert event["target_user_id"] == alice and event["by"] == "command line"
    # The password alone logs in again.
    assert AuthActions(client, forms).login().headers["Location"] == "/"
    assert "Log out" in page_text(client.get("/about"))


def test_reset_of_an_account_without_two_factor_says_so(app, alice):
    result = reset(app, "alice")

    assert result.exit_code == 0
    assert "does not use two-factor login" in result.output


def test_reset_of_an_unknown_user_fails_naming_them(app):
    result = reset(app, "nobody")

    assert result.exit_code != 0
    assert "There is no user called 'nobody'" in result.output
