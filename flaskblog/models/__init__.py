"""The blog's data: users, their logins, API tokens and recovery codes, posts and their
revisions, tags, comments, pictures, readers' reports, follows, bookmarks, blocks,
notifications and private messages, and the security events admins see.

One module per concern (see each one's docstring); every name is importable from here, so
the rest of the site says `from flaskblog.models import User, Post`.
"""

from flaskblog.models.api_token import ApiToken
from flaskblog.models.block import Block
from flaskblog.models.comment import Comment
from flaskblog.models.follow import Bookmark, Follow
from flaskblog.models.image import Image, post_images
from flaskblog.models.imports import ImportedPost, ImportJob, OldLink
from flaskblog.models.message import Conversation, ConversationMember, Message
from flaskblog.models.notification import Notification, NotificationSettings
from flaskblog.models.passkey import Passkey, PasskeyUserHandle
from flaskblog.models.post import RESERVED_SLUGS, Post, slugify
from flaskblog.models.report import Report
from flaskblog.models.revision import Revision
from flaskblog.models.security_event import SecurityEvent
from flaskblog.models.session import UserSession, load_user, save_last_seen
from flaskblog.models.tag import Tag, post_tags
from flaskblog.models.two_factor import RecoveryCode
from flaskblog.models.types import MAX_ID, UTCDateTime, utcnow
from flaskblog.models.user import (
    EMAIL_CONFIRM_SALT,
    RESET_SALT,
    UNSUBSCRIBE_SALT,
    Avatar,
    User,
)

__all__ = [
    "EMAIL_CONFIRM_SALT",
    "MAX_ID",
    "RESERVED_SLUGS",
    "RESET_SALT",
    "UNSUBSCRIBE_SALT",
    "ApiToken",
    "Avatar",
    "Block",
    "Bookmark",
    "Comment",
    "Conversation",
    "ConversationMember",
    "Follow",
    "Image",
    "ImportJob",
    "ImportedPost",
    "Message",
    "Notification",
    "NotificationSettings",
    "OldLink",
    "Passkey",
    "PasskeyUserHandle",
    "Post",
    "RecoveryCode",
    "Report",
    "Revision",
    "SecurityEvent",
    "Tag",
    "UTCDateTime",
    "User",
    "UserSession",
    "load_user",
    "post_images",
    "post_tags",
    "save_last_seen",
    "slugify",
    "utcnow",
]
