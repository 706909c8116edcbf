"""Admins find accounts by name or address, page through them, and disable, enable,
promote or demote them from the list; never their own account, and always on the record."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import SecurityEvent, User, UserSession
from tests.helpers.factories import add_accounts
from tests.helpers.pages import flashes, page_text
from tests.helpers.queries import queries_for

ROW_NAME = re.compile(r'<th scope="row" data-label="Name"><a href="/user/[^"]+">([^<]+)</a></th>')


def names_listed(response) -> list[str]:
    """The account names in the table, top to bottom."""
    return ROW_NAME.findall(response.get_data(as_text=True))


def get_user(app, username: str) -> User:
    with app.app_context():
        user = User.by_username(username)
        db.session.expunge(user)
        return user


def stored_events(app, name: str) -> list[SecurityEvent]:
    with app.app_context():
        events = db.session.scalars(
            db.select(SecurityEvent).where(SecurityEvent.event == name)
        ).all()
        for event in events:
            db.session.expunge(event)
        return events


@pytest.fixture
def bob(make_user, make_posts) -> int:
    """bob, with two posts and a draft."""
    user_id = make_user("bob", "bob.smith@example.com")
    make_posts(user_id, 2)
    make_posts(user_id, 1, published=False)
    return user_id


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_each_account_with_its_posts_state_and_two_factor(
    client, logged_in_admin, bob, make_user
):
    make_user("carol", confirmed=False)

    text = page_text(client.get("/admin/users"))

    assert names_listed(client.get("/admin/users")) == ["carol", "bob", "ada"]
    assert "<caption>" in text and '<th scope="col">Two-factor</th>' in text
    bob_row = text[text.index(">bob</a>") : text.index(">ada</a>")]
    assert "bob.smith@example.com" in bob_row
    assert '<td data-label="Posts">3</td>' in bob_row  # the draft counts
    assert '<td data-label="State">Active</td>' in bob_row
    assert '<td data-label="Two-factor">Off</td>' in bob_row
    assert "Unconfirmed" in text
    assert "Active, admin" in text


def test_search_finds_names_and_addresses_in_any_case(client, logged_in_admin, bob, make_user):
    make_user("carol", "carol@elsewhere.org")

    assert names_listed(client.get("/admin/users?q=BOB")) == ["bob"]
    assert names_listed(client.get("/admin/users?q=SMITH@")) == ["bob"]
    assert names_listed(client.get("/admin/users?q=elsewhere")) == ["carol"]


def test_search_takes_wildcards_and_quotes_literally(client, logged_in_admin, make_user):
    make_user("under_score")
    make_user("underxscore")

    assert names_listed(client.get("/admin/users?q=under_")) == ["under_score"]
    assert names_listed(client.get("/admin/users?q=%25")) == []
    response = client.get("/admin/users?q=' OR 1=1 --")
    assert response.status_code == 200 and names_listed(response) == []
    assert "No account’s name or address contains" in page_text(response)


def test_a_search_longer_than_any_address_is_refused_on_the_page(client, logged_in_admin):
    response = client.get("/admin/users?q=" + "a" * 300)

    assert response.status_code == 200
    assert 'id="q-error"' in response.get_data(as_text=True)
    assert names_listed(response) == ["ada"]  # the whole list, not a 500


def test_accounts_come_a_page_at_a_time_and_the_search_stays(app, client, logged_in_admin):
    app.config["ADMIN_USERS_PER_PAGE"] = 3
    add_accounts(app, 5)  # user001 .. user005, the last newest

    first = client.get("/admin/users?q=user")
    second = client.get("/admin/users?q=user&page=2")

    assert names_listed(first) == ["user005", "user004", "user003"]
    assert names_listed(second) == ["user002", "user001"]
    assert 'href="/admin/users?page=2&amp;q=user"' in first.get_data(as_text=True)
    assert client.get("/admin/users?q=user&page=3").status_code == 404
    assert client.get("/admin/users?page=zero").status_code == 404


def test_a_page_of_accounts_costs_the_same_whatever_it_holds(
    app, client, logged_in_admin, count_queries, make_posts
):
    app.config["ADMIN_USERS_PER_PAGE"] = 20
    ids = add_accounts(app, 2)
    make_posts(ids[0], 2)
    small = queries_for(client, count_queries, "/admin/users")
    for user_id in add_accounts(app, 15, "more{n:02}"):
        make_posts(user_id, 1)

    assert queries_for(client, count_queries, "/admin/users") == small
    assert small <= 6


# --- Actions ----------------------------------------------------------------------------------


def test_disabling_logs_the_user_out_everywhere_and_is_on_the_record(
    app, client, logged_in_admin, bob, act, auth, security_log
):
    response = act("disable", "bob")

    assert ("success", "bob is disabled and logged out everywhere.") in flashes(response)
    assert get_user(app, "bob").disabled_at is not None
    with app.app_context():
        assert not db.session.scalars(db.select(UserSession).filter_by(user_id=bob)).all()
    [line] = [e for e in security_log() if e["event"] == "admin_user_disabled"]
    assert line["user_id"] == logged_in_admin and line["target_user_id"] == bob
    [event] = stored_events(app, "admin_user_disabled")
    assert event.user_id == logged_in_admin and event.facts["target_username"] == "bob"


def test_a_disabled_account_can_be_enabled_again(app, logged_in_admin, bob, act):
    act("disable", "bob")

    response = act("enable", "bob")

    assert ("success", "bob can log in again.") in flashes(response)
    assert get_user(app, "bob").disabled_at is None
    assert len(stored_events(app, "admin_user_enabled")) == 1


def test_an_admin_promotes_and_demotes_another(app, logged_in_admin, bob, act):
    assert ("success", "bob is now an admin.") in flashes(act("promote", "bob"))
    assert get_user(app, "bob").is_admin

    assert ("success", "bob is no longer an admin.") in flashes(act("demote", "bob"))
    assert not get_user(app, "bob").is_admin
    assert [e.event for e in stored_events(app, "admin_user_promoted")] == ["admin_user_promoted"]
    assert len(stored_events(app, "admin_user_demoted")) == 1


def test_the_list_offers_the_actions_that_apply_named_for_their_user(
    client, logged_in_admin, bob, act
):
    text = page_text(client.get("/admin/users"))
    assert 'Disable<span class="visually-hidden"> bob</span>' in text
    assert 'action="/admin/users/bob/promote"' in text
    assert "/admin/users/ada/disable" not in text and "/admin/users/ada/demote" not in text
    assert "reset-2fa" not in text  # nobody has two-factor login yet

    act("disable", "bob")
    text = page_text(client.get("/admin/users"))
    assert 'Enable<span class="visually-hidden"> bob</span>' in text


def test_an_action_goes_back_to_the_same_search_and_page(client, logged_in_admin, bob, forms):
    response = forms.submit("/admin/users/bob/promote?q=bo&page=2", page="/admin/users")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?q=bo&page=2"


@pytest.mark.parametrize("action", ["disable", "demote"])
def test_an_admin_cannot_disable_or_demote_themselves(
    app, logged_in_admin, act, action, security_log
):
    response = act(action, "ada")

    assert ("danger", f"You cannot {action} your own account.") in flashes(response)
    ada = get_user(app, "ada")
    assert ada.is_admin and ada.disabled_at is None
    assert [e["action"] for e in security_log() if e["event"] == "admin_action_refused"] == [action]


def test_the_old_profile_button_is_refused_for_ones_own_account_too(app, logged_in_admin, forms):
    response = forms.submit("/user/ada/disable", page="/user/ada", follow_redirects=True)

    assert ("danger", "You cannot disable your own account.") in flashes(response)
    assert get_user(app, "ada").disabled_at is None


def test_the_profile_buttons_are_on_the_record_too(app, logged_in_admin, bob, forms):
    forms.submit("/user/bob/disable", page="/user/bob")
    forms.submit("/user/bob/enable", page="/user/bob")

    assert len(stored_events(app, "admin_user_disabled")) == 1
    assert len(stored_events(app, "admin_user_enabled")) == 1


def test_resetting_two_factor_is_refused_for_someone_without_it(app, logged_in_admin, bob, act):
    response = act("reset-2fa", "bob")

    assert ("danger", "bob does not use two-factor login.") in flashes(response)


def test_an_action_on_nobody_is_a_404(client, logged_in_admin, forms):
    assert forms.submit("/admin/users/nobody/disable", page="/admin/users").status_code == 404
