"""The moderation blueprint: readers' reports of posts and comments, hiding comments, and
the admins' queue of open reports."""

from flask import Blueprint

from flaskblog.models import Report

bp = Blueprint("moderation", __name__, template_folder="templates")
# The report form under posts and comments (moderation/_report.html) offers these.
bp.add_app_template_global(Report.REASONS, "report_reasons")
bp.add_app_template_global(Report.DETAILS_LENGTH, "report_details_length")

from flaskblog.moderation import routes  # noqa: E402,F401  (register the views on bp)
