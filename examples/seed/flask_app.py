# A Flask application: Flask's hello world and a couple more routes.
#
# Run:   strata wsgi -w 2 flask_app:app
# (gunicorn: gunicorn -w 2 flask_app:app)
# Then:  curl http://127.0.0.1:8000/             →  <p>Hello, World!</p>
#        curl http://127.0.0.1:8000/hello/Ada    →  Hello, Ada!
#        curl http://127.0.0.1:8000/api/status   →  {"status":"ok","server":"..."}

from flask import Flask, jsonify, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/")
def hello_world():
    return "<p>Hello, World!</p>"


@app.route("/hello/<name>")
def hello(name):
    return f"Hello, {escape(name)}!\n"


@app.route("/api/status")
def status():
    return jsonify(status="ok", server=request.environ.get("SERVER_SOFTWARE", ""))
