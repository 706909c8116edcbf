# Read by the `flask` command (python-dotenv). Nothing secret here: secrets go in .env.
FLASK_APP=run.py
