"""Tags: the topics posts share, and which posts have which."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from flaskblog.extensions import db

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # A tag's posts, newest (highest id) first: a tag's page, and related posts.
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)


class Tag(db.Model):
    """A topic posts can share; names are lower-case letters, digits and hyphens."""

    __tablename__ = "tags"

    # On posts, listings and /tags: a change forgets cached pages (flaskblog.caching).
    shown_on_public_pages = True

    NAME_LENGTH = 30
    NAME_PATTERN = rf"[a-z0-9-]{{1,{NAME_LENGTH}}}"
    NAME_RULE = f"1 to {NAME_LENGTH} lower-case letters, digits or hyphens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"

    @classmethod
    def named(cls, names: list[str]) -> list["Tag"]:
        """The tags with these names, created where missing, in the order given."""
        found = {
            tag.name: tag for tag in db.session.scalars(db.select(cls).where(cls.name.in_(names)))
        }
        for name in names:
            if name not in found:
                found[name] = cls._create(name)
        return [found[name] for name in names]

    @classmethod
    def _create(cls, name: str) -> "Tag":
        # Another request may create the same tag at the same moment: the savepoint lets
        # this one take the other's row instead of failing the whole post.
        try:
            with db.session.begin_nested():
                tag = cls(name=name)
                db.session.add(tag)
            return tag
        except IntegrityError:
            return db.session.scalars(db.select(cls).where(cls.name == name)).one()

    @classmethod
    def by_name(cls, name: str) -> "Tag | None":
        """The tag with this name (any case), or None."""
        return db.session.scalar(db.select(cls).where(cls.name == name.lower()))

    @classmethod
    def with_post_counts(cls):
        """(tag, number of public posts) for every tag that has one, by name."""
        from flaskblog.models.post import Post  # posts import tags, not the other way round

        count = func.count(Post.id).label("posts")
        return db.session.execute(
            db.select(cls, count)
            .join(post_tags, post_tags.c.tag_id == cls.id)
            .join(Post, (Post.id == post_tags.c.post_id) & Post.is_public)
            .group_by(cls.id)
            .order_by(cls.name)
        ).all()
