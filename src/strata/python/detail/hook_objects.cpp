#include "strata/python/detail/hook_objects.h"

#include <string_view>

#include "strata/base/log.h"
#include "strata/python/detail/hook_exchange.h"
#include "strata/python/detail/static_type.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"

namespace strata::python::detail {
namespace {

// The module's Python half. _emit, _request_fields and _response_fields are C functions
// added before it runs.
constexpr const char* kSource = R"python(
import sys
import traceback


def no_hook(*args):
    """What an unset hook is: gunicorn's defaults do nothing."""


class Log:
    """server.log / worker.log: gunicorn's logger methods, writing to strata's error log."""

    _BY_NUMBER = {10: "debug", 20: "info", 30: "warning", 40: "error", 50: "critical"}
    _NAMES = ("debug", "info", "warning", "error", "critical")

    def _write(self, level, msg, args, exc_info=None):
        if len(args) == 1 and isinstance(args[0], dict) and args[0]:
            args = args[0]
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError, KeyError) as error:
            # logging reports a bad format without raising into the caller
            text = "%s %r (logging error: %s)" % (msg, args, error)
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
            if exc_info[0] is None:
                text += "\nNoneType: None"
            else:
                text += "\n" + "".join(traceback.format_exception(*exc_info)).rstrip("\n")
        _emit(level, text)

    def debug(self, msg, *args, exc_info=None, **kwargs):
        self._write("debug", msg, args, exc_info)

    def info(self, msg, *args, exc_info=None, **kwargs):
        self._write("info", msg, args, exc_info)

    def warning(self, msg, *args, exc_info=None, **kwargs):
        self._write("warning", msg, args, exc_info)

    warn = warning

    def error(self, msg, *args, exc_info=None, **kwargs):
        self._write("error", msg, args, exc_info)

    def critical(self, msg, *args, exc_info=None, **kwargs):
        self._write("critical", msg, args, exc_info)

    def exception(self, msg, *args, exc_info=True, **kwargs):
        self._write("error", msg, args, exc_info)

    def log(self, lvl, msg, *args, exc_info=None, **kwargs):
        if isinstance(lvl, str):
            level = lvl.lower() if lvl.lower() in self._NAMES else "info"
        else:
            level = self._BY_NUMBER.get(lvl, "info" if lvl < 30 else "error")
        self._write(level, msg, args, exc_info)

    def access(self, resp, req, environ, request_time):
        """strata writes the access log itself."""

    def reopen_files(self):
        """strata reopens its logs on USR1 itself."""

    def close_on_exec(self):
        """strata's log descriptors are already close-on-exec."""


class Setting:
    """cfg.settings[name]: the setting's name and value."""

    def __init__(self, name, value):
        self.name = name
        self.value = value

    def get(self):
        return self.value

    def __repr__(self):
        return "<Setting %s=%r>" % (self.name, self.value)


class Config:
    """server.cfg: every setting readable as an attribute (cfg.workers, cfg.bind, …), as
    gunicorn's Config; plus the properties gunicorn derives (address, env, proc_name, …)."""

    def __init__(self, values, derived):
        object.__setattr__(self, "settings",
                           {name: Setting(name, value) for name, value in values.items()})
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        settings = object.__getattribute__(self, "settings")
        if name not in settings:
            raise AttributeError("No configuration setting for: %s" % name)
        return settings[name].value

    def __setattr__(self, name, value):
        if name in self.settings:
            raise AttributeError("Invalid access!")
        object.__setattr__(self, name, value)


class App:
    """server.app: the application gunicorn's arbiter serves."""

    def __init__(self, cfg, app_uri):
        self.cfg = cfg
        self.app_uri = app_uri
        self.callable = None


class Server:
    """The `server` argument: what hooks use of gunicorn's Arbiter."""

    def __init__(self, pid, cfg, log, app_uri):
        self.pid = pid
        self.cfg = cfg
        self.log = log
        self.app = App(cfg, app_uri)
        self.num_workers = None
        self.WORKERS = {}
        self.LISTENERS = []
        self.worker_age = 0
        self.timeout = cfg.timeout
        self.proc_name = cfg.proc_name
        self.address = cfg.address
        self.master_name = "Master"
        self.master_pid = 0
        self.reexec_pid = 0


class Worker:
    """The `worker` argument: what hooks use of gunicorn's Worker."""

    def __init__(self, age, ppid, cfg, log, timeout):
        self.age = age
        self.pid = "[booting]"
        self.ppid = ppid
        self.cfg = cfg
        self.log = log
        self.timeout = timeout
        self.booted = False
        self.aborted = False
        self.alive = True
        self.nr = 0

    def __str__(self):
        return "<Worker %s>" % self.pid


def _http_version(protocol):
    try:
        major, minor = protocol.rpartition("/")[2].split(".")
        return (int(major), int(minor))
    except ValueError:
        return (0, 9)


class Request:
    """The `req` argument: what hooks use of gunicorn's Request. Header names are in
    capitals, as gunicorn's parser keeps them."""

    def __init__(self, method, uri, path, query, protocol, headers, peer, scheme):
        self.method = method
        self.uri = uri
        self.path, _, fragment = path.partition("#")
        self.query, _, query_fragment = query.partition("#")
        self.fragment = fragment or query_fragment
        self.version = _http_version(protocol)
        self.headers = [(name.upper(), value) for name, value in headers]
        self.trailers = []
        self.scheme = scheme
        self.peer_addr = peer
        self.remote_addr = peer

    def __repr__(self):
        return "<Request %s %s>" % (self.method, self.uri)


class Response:
    """The `resp` argument: the status and headers the app gave, the body bytes sent."""

    def __init__(self, req, status, headers, sent, headers_sent):
        self.req = req
        self.status = status
        self.status_code = None
        if status:
            try:
                self.status_code = int(status.split(None, 1)[0])
            except ValueError:
                pass
        self.headers = headers
        self.sent = sent
        self.headers_sent = headers_sent

    def __repr__(self):
        return "<Response %s>" % (self.status,)


def current_request():
    fields = _request_fields()
    return None if fields is None else Request(*fields)


def request_adapters(state, pre_request, post_request, post_arity):
    """The bridge's pre_request(environ) and post_request(environ) for gunicorn's hooks
    (either may be None). The worker is state.worker at call time; the same req goes to
    both hooks of one request."""
    pending = {}

    def pre(environ):
        req = current_request()
        if post_request is not None:
            pending[id(environ)] = req
        worker = state.worker
        if pre_request is not None:
            pre_request(worker, req)
        if worker is not None:
            worker.nr += 1

    def post(environ):
        req = pending.pop(id(environ), None) or current_request()
        fields = _response_fields()
        resp = None if fields is None else Response(req, *fields)
        post_request(*(state.worker, req, environ, resp)[:post_arity])

    return pre, (post if post_request is not None else None)
)python";

log::Level level_named(std::string_view name) {
    if (name == "debug") return log::Level::debug;
    if (name == "info") return log::Level::info;
    if (name == "warning") return log::Level::warn;
    if (name == "critical") return log::Level::crit;
    return log::Level::error;
}

// _emit(level, text): one line (or a traceback) into strata's error log.
PyObject* emit(PyObject*, PyObject* args) {
    const char* level = nullptr;
    PyObject* text = nullptr;
    if (!PyArg_ParseTuple(args, "sU", &level, &text)) return nullptr;
    Py_ssize_t length = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(text, &length);
    if (utf8 == nullptr) return nullptr;
    log::emit(level_named(level), "{}", std::string_view(utf8, static_cast<size_t>(length)));
    Py_RETURN_NONE;
}

PyObject* request_fields(PyObject*, PyObject*) {
    return current_request_fields();
}

PyObject* response_fields(PyObject*, PyObject*) {
    return current_response_fields();
}

PyMethodDef g_functions[] = {
    {"_emit", as_method(&emit), METH_VARARGS, nullptr},
    {"_request_fields", as_method(&request_fields), METH_NOARGS, nullptr},
    {"_response_fields", as_method(&response_fields), METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyObject* g_module = nullptr;  // one interpreter per process; forked children share it

PyRef make_module() {
    PyRef module(PyModule_New("strata_hooks"));
    if (!module || PyModule_AddFunctions(module.get(), g_functions) != 0) return PyRef();
    PyObject* globals = PyModule_GetDict(module.get());  // borrowed
    if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) != 0) return PyRef();
    PyRef ran(PyRun_String(kSource, Py_file_input, globals, globals));
    if (!ran) return PyRef();
    return module;
}

}  // namespace

PyObject* hook_objects() {
    if (g_module == nullptr) g_module = make_module().release();
    return g_module;
}

PyObject* call_hook_objects(const char* name, PyObject* args) {
    PyObject* module = hook_objects();
    if (module == nullptr) return nullptr;
    PyRef function(PyObject_GetAttrString(module, name));
    if (!function) return nullptr;
    return PyObject_Call(function.get(), args, nullptr);
}

std::string take_exception_message() {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    PyRef owned_type(type);
    PyRef owned_value(value);
    PyRef owned_traceback(traceback);
    return str_of(value != nullptr ? value : type, "unknown error");
}

}  // namespace strata::python::detail
