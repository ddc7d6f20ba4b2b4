"""Flask hello: one route returning a string (Debian's python3-flask)."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
