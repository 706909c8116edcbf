"""Entry point for `flask` (via .flaskenv) and gunicorn (`gunicorn run:app`)."""

from flaskblog import create_app

app = create_app()
