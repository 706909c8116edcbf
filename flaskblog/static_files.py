"""Static files named by their content: `url_for('static', filename=...)` adds `?v=` and
twelve hex digits of the file's SHA-256, and a request whose `v` matches the file's current
hash is kept by browsers for a year (an old URL still works, without the long lifetime)."""

import hashlib
import os

from flask import current_app, request

ONE_YEAR = 365 * 24 * 60 * 60


def init_app(app) -> None:
    """Version static file URLs, and let browsers keep the versioned ones."""
    app.url_defaults(_static_version)
    app.after_request(_cache_static_for_good)


def static_digest(filename: str) -> str | None:
    """A short hash of a static file's content; in debug mode, recomputed when it changes
    (otherwise files change only with a new release, which starts new processes)."""
    digests = current_app.extensions.setdefault("static_digests", {})
    known = digests.get(filename)
    if known is not None and not current_app.debug:
        return known[1]
    path = os.path.join(current_app.static_folder, filename)
    try:
        mtime = os.stat(path).st_mtime_ns
    except (OSError, ValueError):
        return None
    if known is None or known[0] != mtime:
        with open(path, "rb") as file:
            known = (mtime, hashlib.sha256(file.read()).hexdigest()[:12])
        digests[filename] = known
    return known[1]


def _static_version(endpoint: str, values: dict) -> None:
    """url_for('static', filename=...) names the content too: ?v=<its hash>."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = static_digest(values["filename"])
        if digest:
            values["v"] = digest


def _cache_static_for_good(response):
    """A static file asked for by its current hash never changes: browsers keep it a year."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        filename = (request.view_args or {}).get("filename", "")
        if request.args.get("v") and request.args.get("v") == static_digest(filename):
            # Flask sends static files with "no-cache" (SEND_FILE_MAX_AGE_DEFAULT is None, so
            # that an unversioned URL is always revalidated), which would cancel the rest.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
    return response
