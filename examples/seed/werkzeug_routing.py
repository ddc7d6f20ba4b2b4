# A small Werkzeug application with URL routing (Map and Rule, converters, redirects for
# the canonical slash, HTTP errors as responses), in the shape of Werkzeug's tutorial.
#
# Run:   strata wsgi werkzeug_routing:app
# (gunicorn: gunicorn werkzeug_routing:app)
# Then:  curl http://127.0.0.1:8000/hello/Ada  →  Hello, Ada!
#        curl http://127.0.0.1:8000/add/2/40   →  42
#        curl -i http://127.0.0.1:8000/nope    →  404 Not Found

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response


class Application:
    def __init__(self):
        self.url_map = Map([
            Rule("/", endpoint="index"),
            Rule("/hello/<name>", endpoint="hello"),
            Rule("/add/<int:a>/<int:b>", endpoint="add"),
            Rule("/docs/", endpoint="docs"),
        ])

    def on_index(self, request):
        return Response("Routes: /hello/<name>, /add/<int:a>/<int:b>, /docs/\n")

    def on_hello(self, request, name):
        return Response(f"Hello, {name}!\n")

    def on_add(self, request, a, b):
        return Response(f"{a + b}\n")

    def on_docs(self, request):
        return Response("The docs.\n")

    def dispatch_request(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            return getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as e:
            return e

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch_request(request)
        return response(environ, start_response)

    def __call__(self, environ, start_response):
        return self.wsgi_app(environ, start_response)


app = Application()
