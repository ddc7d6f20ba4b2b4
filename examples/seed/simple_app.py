# The plain WSGI application of PEP 3333 ("The Application/Framework Side").
#
# Run:   strata wsgi simple_app:simple_app
# (gunicorn: gunicorn simple_app:simple_app)  Then: curl http://127.0.0.1:8000/  →  Hello world!

HELLO_WORLD = b"Hello world!\n"


def simple_app(environ, start_response):
    """Simplest possible application object"""
    status = "200 OK"
    response_headers = [("Content-type", "text/plain")]
    start_response(status, response_headers)
    return [HELLO_WORLD]
