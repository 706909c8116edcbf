"""WordPress exports (WXR) made by the tests: a small blog of several posts, a draft, a
scheduled post, categories and tags, comments, an image, unicode and a shortcode, and
hostile files (a billion laughs, an external entity, malformed XML)."""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from tests.helpers.images import png

SITE = "https://old.example.com"
IMAGE_PATH = "2019/04/sunset.png"
# The post links a resized copy, as WordPress does; the media folder has the original.
IMAGE_URL = f"{SITE}/wp-content/uploads/2019/04/sunset-300x200.png"


@dataclass
class WxrComment:
    author: str
    body: str
    date: str = "2019-04-08 09:00:00"
    approved: str = "1"


@dataclass
class WxrPost:
    post_id: int
    title: str
    html: str
    slug: str
    status: str = "publish"
    date_gmt: str = "2019-04-07 10:00:00"
    date_local: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[WxrComment] = field(default_factory=list)
    post_type: str = "post"
    excerpt: str = ""
    guid: str = ""
    permalink: str = ""

    @property
    def link(self) -> str:
        if self.permalink:
            return self.permalink
        if self.status != "publish":
            return f"{SITE}/?p={self.post_id}"
        year, month, day = self.date_gmt[:10].split("-")
        return f"{SITE}/{year}/{month}/{day}/{self.slug}/"


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def item(post: WxrPost) -> str:
    terms = [("category", name) for name in post.categories] + [
        ("post_tag", name) for name in post.tags
    ]
    comments = "".join(
        f"""
      <wp:comment>
        <wp:comment_id>{number}</wp:comment_id>
        <wp:comment_author>{cdata(comment.author)}</wp:comment_author>
        <wp:comment_author_email>{cdata("reader@example.net")}</wp:comment_author_email>
        <wp:comment_date>{cdata(comment.date)}</wp:comment_date>
        <wp:comment_date_gmt>{cdata(comment.date)}</wp:comment_date_gmt>
        <wp:comment_content>{cdata(comment.body)}</wp:comment_content>
        <wp:comment_approved>{cdata(comment.approved)}</wp:comment_approved>
        <wp:comment_type>{cdata("comment")}</wp:comment_type>
      </wp:comment>"""
        for number, comment in enumerate(post.comments, 1)
    )
    categories = "".join(
        f'\n      <category domain="{domain}" nicename="{escape(name.lower())}">'
        f"{cdata(name)}</category>"
        for domain, name in terms
    )
    return f"""
    <item>
      <title>{escape(post.title)}</title>
      <link>{post.link}</link>
      <pubDate>Sun, 07 Apr 2019 10:00:00 +0000</pubDate>
      <dc:creator>{cdata("admin")}</dc:creator>
      <guid isPermaLink="false">{escape(post.guid or f"{SITE}/?p={post.post_id}")}</guid>
      <description></description>
      <content:encoded>{cdata(post.html)}</content:encoded>
      <excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>
      <wp:post_id>{post.post_id}</wp:post_id>
      <wp:post_date>{cdata(post.date_local or post.date_gmt)}</wp:post_date>
      <wp:post_date_gmt>{cdata(post.date_gmt)}</wp:post_date_gmt>
      <wp:post_name>{cdata(post.slug)}</wp:post_name>
      <wp:status>{cdata(post.status)}</wp:status>
      <wp:post_type>{cdata(post.post_type)}</wp:post_type>{categories}{comments}
    </item>"""


def wxr(posts: list[WxrPost]) -> bytes:
    """A WXR 1.2 file holding `posts`, as WordPress writes one."""
    items = "".join(item(post) for post in posts)
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
  <channel>
    <title>An old blog</title>
    <link>{SITE}</link>
    <wp:wxr_version>1.2</wp:wxr_version>
    <wp:base_site_url>{SITE}</wp:base_site_url>{items}
  </channel>
</rss>
""".encode()


def sample_posts() -> list[WxrPost]:
    """The old blog: four posts (one with an image, a shortcode, a script and comments),
    a draft, a scheduled post, and a page (which is not a post)."""
    return [
        WxrPost(
            123,
            "Hello, wörld",
            "Welcome to <strong>my</strong> blog.\n\n"
            f'<img src="{IMAGE_URL}" alt="Sunset" width="300" height="200">\n\n'
            '[gallery ids="4,5"]\n\n'
            "<script>alert('owned')</script>"
            '<a href="javascript:alert(1)">click</a> and <a href="https://example.org/">a link</a>',
            "hello-world",
            categories=["News", "Uncategorized"],
            tags=["Travel & Food", "Überraschung"],
            comments=[
                WxrComment("Jane Reader", "Lovely <em>post</em>!"),
                WxrComment("Spammer", "Buy things", approved="spam"),
            ],
            excerpt="The first post.",
        ),
        WxrPost(
            124,
            "Café ☕ notes",
            "<p>Ünïcödé text, 日本語 and emoji 🎉.</p><ul><li>one</li><li>two</li></ul>",
            "cafe-notes",
            date_gmt="2019-05-01 08:30:00",
            tags=["one", "two", "three", "four", "five", "six", "a" * 40],
        ),
        WxrPost(
            125,
            "Third post",
            "<h2>A heading</h2>\n\nSome text.",
            "third-post",
            date_gmt="2019-06-01 12:00:00",
        ),
        WxrPost(
            126,
            "Work in progress",
            "Not ready.",
            "",
            status="draft",
            date_gmt="0000-00-00 00:00:00",
            date_local="2020-01-02 03:04:05",
        ),
        WxrPost(
            127,
            "Coming soon",
            "From the future.",
            "coming-soon",
            status="future",
            date_gmt="2099-01-01 09:00:00",
        ),
        WxrPost(128, "About me", "A page.", "about", post_type="page"),
    ]


def sample_wxr() -> bytes:
    return wxr(sample_posts())


def sample_media(folder) -> None:
    """The old site's wp-content/uploads in `folder`, with the image the first post shows."""
    target = folder / IMAGE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png((120, 80), "orange"))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss><channel><item><title>&lol4;</title></item></channel></rss>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&secret;</title></item></channel></rss>
"""

MALFORMED = b"""<?xml version="1.0"?>
<rss><channel><item><title>Unclosed</channel></rss>
"""
