"""Steps the browser tests share: the main navigation, the account menu, logging in and
out, and the page's width."""

from playwright.sync_api import expect


def nav(page):
    """The site's navigation: the one in the page's banner (named in the page's language)."""
    return page.get_by_role("banner").get_by_role("navigation")


def account_menu_toggle(page):
    """The avatar and name in the header that open the account menu (a <summary>)."""
    return nav(page).locator("summary.account-menu__toggle")


def account_menu(page):
    """Open the header's account menu (if it is not open yet) and return its list."""
    menu = nav(page).locator("details.account-menu")
    if menu.get_attribute("open") is None:
        account_menu_toggle(page).click()
    links = menu.locator(".account-menu__links")
    expect(links).to_be_visible()
    return links


def log_in(page, email, password):
    """Log in through the form, and wait until the header shows the account menu."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(account_menu_toggle(page)).to_be_visible()


def log_out(page):
    """Log out through the account menu, and wait until the header offers to log in."""
    account_menu(page).get_by_role("button", name="Log out").click()
    expect(nav(page).get_by_role("link", name="Log in")).to_be_visible()


def page_width(page) -> int:
    """How wide the page is in CSS pixels; wider than the window means sideways scrolling."""
    return page.evaluate("document.scrollingElement.scrollWidth")
