"""WordPress eXtended RSS (WXR), the file WordPress's Tools > Export writes, read into
entries: posts with their dates, slugs, categories and tags, approved comments, old
addresses and the pictures they show.

The XML is parsed by defusedxml with DTDs, entities and external references refused: a
billion-laughs file or one that reaches for a local file or a URL is refused whole, before
anything is read from it (docs/SECURITY.md, "Importing files").
"""

import base64
import binascii
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import fromstring

from flaskblog.imports.entries import CommentEntry, Entry, ImportRefused, old_path
from flaskblog.imports.html_markdown import shortcodes_in, to_markdown, to_plain_text
from flaskblog.imports.media_files import UPLOADS, MediaFinder
from flaskblog.words import N_, said

# WordPress's statuses, as this site has them (anything else is not brought in).
STATUSES = {
    "publish": "published",
    "future": "scheduled",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
}
IMAGE_SOURCE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
DATA_URI = re.compile(r"data:image/[a-z+.-]+;base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
NO_DATE = "0000-00-00 00:00:00"
NAMESPACES = {
    "wordpress.org/export/": "wp",
    "purl.org/rss/1.0/modules/content/": "content",
    "purl.org/dc/elements/": "dc",
}


def read_wxr(data: bytes, find_media: MediaFinder) -> tuple[list[Entry], list[dict]]:
    """The posts of a WXR file as entries, and what was left out with why. Raises
    ImportRefused for a file that is not safe or not well-formed XML, or not WXR."""
    channel = _channel(parse_safely(data))
    entries, skipped = [], []
    for item in channel.iter("item"):
        kind = _text(item, "wp:post_type") or "post"
        title = _text(item, "title")
        if kind == "page":
            skipped.append({"title": title, "why": said(N_("a page, not a post"))})
        if kind != "post":
            continue
        status = STATUSES.get(_text(item, "wp:status"))
        if status is None:
            why = said(N_("its status is %(status)s"), status=_text(item, "wp:status"))
            skipped.append({"title": title, "why": why})
            continue
        try:
            entries.append(_entry(item, title, status, find_media))
        except RecursionError:
            why = said(N_("its HTML is nested too deeply to convert"))
            skipped.append({"title": title, "why": why})
    return entries, skipped


def parse_safely(data: bytes) -> Element:
    """The XML's root element, or ImportRefused saying in words what is wrong with it."""
    try:
        # A DTD alone is harmless (and some exporters write one); its entities are not.
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as error:
        if error.sysid or error.pubid:
            raise ImportRefused(
                N_(
                    "That file declares an external entity (it reaches for another file or an "
                    "address): refused, nothing was imported."
                )
            ) from error
        raise ImportRefused(
            N_(
                "That file declares XML entities (as a “billion laughs” file does): refused, "
                "nothing was imported."
            )
        ) from error
    except DefusedXmlException as error:
        raise ImportRefused(
            N_(
                "That file refers to other files or addresses (external entities): refused, "
                "nothing was imported."
            )
        ) from error
    except ParseError as error:
        line, column = error.position
        raise ImportRefused(
            N_(
                "That file is not well-formed XML (line %(line)s, column %(column)s): nothing "
                "was imported. Export it from WordPress again."
            ),
            line=line,
            column=column,
        ) from error


def _channel(root: Element) -> Element:
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ImportRefused(
            N_("That XML file is not a WordPress export (WXR: an RSS file from Tools > Export).")
        )
    return channel


def _name(tag: str) -> str:
    """ "{http://wordpress.org/export/1.2/}post_id" as "wp:post_id", whatever the version."""
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    for part, prefix in NAMESPACES.items():
        if part in namespace:
            if prefix == "wp" and "excerpt" in namespace:
                return f"excerpt:{local}"
            return f"{prefix}:{local}"
    return local


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child.tag) == name]


def _text(element: Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def _date(gmt: str, local: str) -> datetime | None:
    for value in (gmt, local):
        if value and value != NO_DATE:
            try:
                return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def _entry(item: Element, title: str, status: str, find_media: MediaFinder) -> Entry:
    html = _text(item, "content:encoded")
    post_id = _text(item, "wp:post_id")
    date = _date(_text(item, "wp:post_date_gmt"), _text(item, "wp:post_date"))
    if date is None and _text(item, "pubDate"):
        try:
            date = parsedate_to_datetime(_text(item, "pubDate")).astimezone(UTC)
        except (TypeError, ValueError):
            date = None
    categories = [
        (child.text or "").strip()
        for child in _children(item, "category")
        if child.get("domain") in ("category", "post_tag")
        and (child.text or "").strip().lower() != "uncategorized"
    ]
    images, missing = _images(html, find_media)
    return Entry(
        key=f"wxr:{_text(item, 'guid') or post_id}",
        title=title,
        content=to_markdown(html),
        status=status,
        date=date,
        slug=unquote(_text(item, "wp:post_name")) or None,  # "caf%c3%a9": café
        tags=list(dict.fromkeys(name for name in categories if name)),
        # Summaries are plain text (core clips them to Post.SUMMARY_LENGTH); excerpts HTML.
        summary=to_plain_text(_text(item, "excerpt:encoded")) or None,
        comments=_comments(item),
        old_paths=_old_paths(_text(item, "link"), post_id),
        images=images,
        missing_images=missing,
        shortcodes=shortcodes_in(html),
    )


def _comments(item: Element) -> list[CommentEntry]:
    comments = []
    for comment in _children(item, "wp:comment"):
        if _text(comment, "wp:comment_approved") != "1":
            continue  # spam, trash and comments awaiting moderation stay behind
        if _text(comment, "wp:comment_type") in ("pingback", "trackback"):
            continue
        comments.append(
            CommentEntry(
                author=_text(comment, "wp:comment_author"),
                body=to_markdown(_text(comment, "wp:comment_content")),
                date=_date(
                    _text(comment, "wp:comment_date_gmt"), _text(comment, "wp:comment_date")
                ),
            )
        )
    return comments


def _old_paths(link: str, post_id: str) -> list[str]:
    paths = [path] if (path := old_path(link)) else []
    if post_id.isdigit():
        paths.append(f"/?p={post_id}")
    return list(dict.fromkeys(paths))


def _images(html: str, find_media: MediaFinder) -> tuple[dict[str, bytes], list[str]]:
    """{link as written: bytes} for each picture the HTML shows that the file carries (a
    data: URI) or the media folder has; the links of the others."""
    images, missing = {}, []
    for source in dict.fromkeys(IMAGE_SOURCE.findall(html)):
        embedded = DATA_URI.fullmatch(source)
        if embedded:
            try:
                images[source] = base64.b64decode(embedded[1], validate=False)
            except (binascii.Error, ValueError):
                missing.append("(an embedded picture)")
            continue
        if UPLOADS not in source:
            continue  # a picture elsewhere on the web: it still loads from there
        data = find_media(source)
        if data is None:
            missing.append(source)
        else:
            images[source] = data
    return images, missing
