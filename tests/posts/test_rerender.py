"""`flask posts rerender`: posts stored before the renderer changed are rendered again, a
batch at a time, so old posts get highlighted code and their opening paragraph marked."""

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.rendering import render_markdown

CONTENT = "> A quote first.\n\n```python\nprint('hi')\n```\n\nThe opening."
# What the renderer wrote before: plain code, no mark on the opening paragraph.
OLD_HTML = (
    "<blockquote>\n<p>A quote first.</p>\n</blockquote>\n"
    "<pre><code class=\"language-python\">print('hi')\n</code></pre>\n<p>The opening.</p>\n"
)


def store_as_rendered_before(app, post_ids: list[int]) -> None:
    with app.app_context():
        db.session.execute(
            db.update(Post).where(Post.id.in_(post_ids)).values(content_html=OLD_HTML)
        )
        db.session.commit()


def stored(app) -> list[tuple[str, object]]:
    with app.app_context():
        return [
            (post.content_html, post.updated_at)
            for post in db.session.scalars(db.select(Post).order_by(Post.id))
        ]


def test_old_posts_are_rendered_again_in_batches(app, alice, make_posts):
    post_ids = make_posts(alice, 5, content=CONTENT)
    store_as_rendered_before(app, post_ids[:3])
    before = stored(app)

    result = app.test_cli_runner().invoke(args=["posts", "rerender", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert result.output == "Re-rendered 5 posts: 3 changed.\n"
    after = stored(app)
    assert [html for html, _ in after] == [render_markdown(CONTENT).html] * 5
    assert '<pre class="highlight">' in after[0][0] and '<p class="opening">' in after[0][0]
    # Not an edit: the time readers see as the last change stays as it was.
    assert [when for _, when in after] == [when for _, when in before]


def test_old_posts_list_their_opening_once_rendered_again(app, client, alice, make_posts):
    post_ids = make_posts(alice, 1, content=CONTENT)
    store_as_rendered_before(app, post_ids)
    assert "A quote first." in client.get("/").text  # the first paragraph there is

    app.test_cli_runner().invoke(args=["posts", "rerender"])

    listing = client.get("/").text
    assert '<p class="post__excerpt">The opening.</p>' in listing


def test_rendering_again_what_is_up_to_date_changes_nothing(app, alice, make_posts):
    make_posts(alice, 2, content=CONTENT)
    before = stored(app)

    result = app.test_cli_runner().invoke(args=["posts", "rerender"])

    assert result.output == "Re-rendered 2 posts: 0 changed.\n"
    assert stored(app) == before


def test_a_batch_size_below_one_is_refused(app, alice, make_posts):
    make_posts(alice, 1, content=CONTENT)
    store_as_rendered_before(app, [1])

    result = app.test_cli_runner().invoke(args=["posts", "rerender", "--batch-size", "0"])

    assert result.exit_code == 2
    assert "--batch-size" in result.output
    assert stored(app)[0][0] == OLD_HTML
