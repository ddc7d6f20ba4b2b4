# WSGI middleware: a class that wraps an application, as PEP 3333 describes ("Middleware:
# Components that Play Both Sides"). It adds a response header and upper-cases
# text/plain bodies chunk by chunk (so a streamed response still streams), and passes
# close() on to the wrapped application's iterable.
#
# Run:   strata wsgi middleware:app
# (gunicorn: gunicorn middleware:app)
# Then:  curl -i http://127.0.0.1:8000/  →  HELLO WORLD!  with "X-Middleware: upper-case"

from simple_app import simple_app


class UpperCase:
    """Upper-cases the text/plain responses of the application it wraps."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        is_text = False

        def start(status, headers, exc_info=None):
            nonlocal is_text
            is_text = any(name.lower() == "content-type" and value.startswith("text/plain")
                          for name, value in headers)
            return start_response(status, headers + [("X-Middleware", "upper-case")], exc_info)

        return UpperCaseBody(self.application(environ, start), lambda: is_text)


class UpperCaseBody:
    """The wrapped app's iterable, its chunks upper-cased when the response is text."""

    def __init__(self, result, is_text):
        self.result = result
        self.is_text = is_text

    def __iter__(self):
        for chunk in self.result:
            yield chunk.upper() if self.is_text() else chunk

    def close(self):
        if hasattr(self.result, "close"):
            self.result.close()


app = UpperCase(simple_app)
