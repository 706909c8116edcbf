"""Pictures writers put in their posts: uploaded once, re-encoded, and served by digest."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User

# Which posts show which images (their Markdown links to /image/<id>/..., or the cover):
# an image no post uses any more is deleted with the last post that did.
post_images = Table(
    "post_images",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("image_id", ForeignKey("images.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Image(db.Model):
    """An uploaded picture, already decoded, shrunk and re-encoded (flaskblog.images).

    Its bytes are in `data` when MEDIA_STORAGE is the database, or in object storage
    under `storage_key` when it is S3; the URL names the digest, so it is cached for good.
    """

    __tablename__ = "images"

    # Pages show an image only through a post (its content or cover), and a post's change
    # forgets cached pages; the image's own URL names its digest, so never goes stale.
    shown_on_public_pages = False

    DIGEST_LENGTH = 16
    EXTENSION_LENGTH = 4

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    extension: Mapped[str] = mapped_column(String(EXTENSION_LENGTH))
    width: Mapped[int]
    height: Mapped[int]
    # Bytes as stored: what counts against the owner's quota (IMAGE_QUOTA_MB).
    size: Mapped[int]
    alt: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    storage_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped["User"] = relationship()

    __table_args__ = (
        # An owner's images, for the quota and for deleting them with the account.
        Index("ix_images_user", "user_id", "id"),
    )

    def __repr__(self) -> str:
        return f"<Image {self.id} {self.digest}.{self.extension}>"
