# Werkzeug's hello world (https://werkzeug.palletsprojects.com, "Werkzeug").
#
# Run:   strata wsgi werkzeug_hello:application
# (gunicorn: gunicorn werkzeug_hello:application)
# Then:  curl http://127.0.0.1:8000/  →  Hello, World!

from werkzeug.wrappers import Request, Response


@Request.application
def application(request):
    return Response("Hello, World!")


if __name__ == "__main__":
    from werkzeug.serving import run_simple
    run_simple("localhost", 4000, application)
