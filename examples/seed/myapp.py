# gunicorn's sample application (https://docs.gunicorn.org, "Running Gunicorn").
#
# Run:   strata wsgi -w 4 myapp:app
# (gunicorn: gunicorn -w 4 myapp:app)  Then: curl http://127.0.0.1:8000/  →  Hello, World!


def app(environ, start_response):
    """Simplest possible application object"""
    data = b"Hello, World!\n"
    status = "200 OK"
    response_headers = [
        ("Content-type", "text/plain"),
        ("Content-Length", str(len(data))),
    ]
    start_response(status, response_headers)
    return iter([data])
