# gunicorn's sample application as it was first written, with a str body. Python 3's
# WSGI (PEP 3333) wants bytes: gunicorn sends the 200 head and then fails; strata
# answers 500 and its error log says what is wrong and how to fix it:
#   ... the WSGI app's response contains a str chunk, but response chunks must be bytes
#   (PEP 3333): encode it, e.g. `return [body.encode("utf-8")]`
#
# Run:   strata wsgi myapp_str:app
# (gunicorn: gunicorn myapp_str:app)  Then: curl -i http://127.0.0.1:8000/  →  500


def app(environ, start_response):
    """Simplest possible application object"""
    data = "Hello, World!\n"
    status = "200 OK"
    response_headers = [
        ("Content-type", "text/plain"),
        ("Content-Length", str(len(data))),
    ]
    start_response(status, response_headers)
    return iter([data])
