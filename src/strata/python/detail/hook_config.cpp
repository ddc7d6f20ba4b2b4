#include "strata/python/detail/hook_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace strata::python::detail {
namespace {

using W = WsgiSettings;

PyRef to_python(const std::string& text) {
    return PyRef(
        PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "surrogateescape"));
}
PyRef to_python(std::int64_t number) {
    return PyRef(PyLong_FromLongLong(number));
}
PyRef to_python(bool flag) {
    return PyRef::borrow(flag ? Py_True : Py_False);
}
PyRef to_python(const std::vector<std::string>& texts) {
    PyRef list(PyList_New(0));
    for (const std::string& text : texts) {
        PyRef item = to_python(text);
        if (!list || !item || PyList_Append(list.get(), item.get()) != 0) return PyRef();
    }
    return list;
}
PyRef to_python(const StringPairs& pairs) {
    PyRef dict(PyDict_New());
    for (const auto& [key, value] : pairs) {
        PyRef k = to_python(key);
        PyRef v = to_python(value);
        if (!dict || !k || !v || PyDict_SetItem(dict.get(), k.get(), v.get()) != 0) return PyRef();
    }
    return dict;
}
PyRef to_python(const HostPort& address) {
    PyRef host = to_python(address.host);
    if (!host) return host;
    return PyRef(Py_BuildValue("(OL)", host.get(), static_cast<long long>(address.port)));
}
template <class T>
PyRef to_python(const std::optional<T>& value) {
    if (!value) return PyRef::borrow(Py_None);
    return to_python(*value);
}
// A value settings hold unvalidated (logconfig_dict): a description when it is an object.
PyRef to_python(const SettingValue& value) {
    if (const auto* object = std::get_if<PythonObject>(&value)) return to_python(object->repr);
    return std::visit(
        [](const auto& held) -> PyRef {
            using T = std::decay_t<decltype(held)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return PyRef::borrow(Py_None);
            else if constexpr (std::is_same_v<T, PythonObject>)
                return PyRef();
            else
                return to_python(held);
        },
        value);
}

template <auto Member>
PyRef field(const WsgiSettings& settings) {
    return to_python(settings.*Member);
}

struct Field {
    std::string_view name;
    PyRef (*get)(const WsgiSettings&);
};

// Every setting but the hooks (their callables come from the caller).
constexpr Field kFields[] = {
    {"config", field<&W::config>},
    {"wsgi_app", field<&W::wsgi_app>},
    {"bind", field<&W::bind>},
    {"backlog", field<&W::backlog>},
    {"workers", field<&W::workers>},
    {"worker_class", field<&W::worker_class>},
    {"threads", field<&W::threads>},
    {"worker_connections", field<&W::worker_connections>},
    {"max_requests", field<&W::max_requests>},
    {"max_requests_jitter", field<&W::max_requests_jitter>},
    {"timeout", field<&W::timeout>},
    {"graceful_timeout", field<&W::graceful_timeout>},
    {"keepalive", field<&W::keepalive>},
    {"limit_request_line", field<&W::limit_request_line>},
    {"limit_request_fields", field<&W::limit_request_fields>},
    {"limit_request_field_size", field<&W::limit_request_field_size>},
    {"reload", field<&W::reload>},
    {"reload_engine", field<&W::reload_engine>},
    {"reload_extra_files", field<&W::reload_extra_files>},
    {"spew", field<&W::spew>},
    {"check_config", field<&W::check_config>},
    {"print_config", field<&W::print_config>},
    {"preload_app", field<&W::preload_app>},
    {"sendfile", field<&W::sendfile>},
    {"reuse_port", field<&W::reuse_port>},
    {"chdir", field<&W::chdir>},
    {"daemon", field<&W::daemon>},
    {"raw_env", field<&W::raw_env>},
    {"pidfile", field<&W::pidfile>},
    {"worker_tmp_dir", field<&W::worker_tmp_dir>},
    {"user", field<&W::user>},
    {"group", field<&W::group>},
    {"umask", field<&W::umask>},
    {"initgroups", field<&W::initgroups>},
    {"tmp_upload_dir", field<&W::tmp_upload_dir>},
    {"secure_scheme_headers", field<&W::secure_scheme_headers>},
    {"forwarded_allow_ips", field<&W::forwarded_allow_ips>},
    {"pythonpath", field<&W::pythonpath>},
    {"paste", field<&W::paste>},
    {"proxy_protocol", field<&W::proxy_protocol>},
    {"proxy_allow_ips", field<&W::proxy_allow_ips>},
    {"raw_paste_global_conf", field<&W::raw_paste_global_conf>},
    {"strip_header_spaces", field<&W::strip_header_spaces>},
    {"tolerate_dangerous_framing", field<&W::tolerate_dangerous_framing>},
    {"accesslog", field<&W::accesslog>},
    {"disable_redirect_access_to_syslog", field<&W::disable_redirect_access_to_syslog>},
    {"access_log_format", field<&W::access_log_format>},
    {"errorlog", field<&W::errorlog>},
    {"loglevel", field<&W::loglevel>},
    {"capture_output", field<&W::capture_output>},
    {"logger_class", field<&W::logger_class>},
    {"logconfig", field<&W::logconfig>},
    {"logconfig_dict", field<&W::logconfig_dict>},
    {"syslog_addr", field<&W::syslog_addr>},
    {"syslog", field<&W::syslog>},
    {"syslog_prefix", field<&W::syslog_prefix>},
    {"syslog_facility", field<&W::syslog_facility>},
    {"enable_stdio_inheritance", field<&W::enable_stdio_inheritance>},
    {"statsd_host", field<&W::statsd_host>},
    {"dogstatsd_tags", field<&W::dogstatsd_tags>},
    {"statsd_prefix", field<&W::statsd_prefix>},
    {"proc_name", field<&W::proc_name>},
    {"default_proc_name", field<&W::default_proc_name>},
    {"keyfile", field<&W::keyfile>},
    {"certfile", field<&W::certfile>},
    {"ssl_version", field<&W::ssl_version>},
    {"cert_reqs", field<&W::cert_reqs>},
    {"ca_certs", field<&W::ca_certs>},
    {"suppress_ragged_eofs", field<&W::suppress_ragged_eofs>},
    {"do_handshake_on_connect", field<&W::do_handshake_on_connect>},
    {"ciphers", field<&W::ciphers>},
    {"python_home", field<&W::python_home>},
    {"root_path", field<&W::root_path>},
};

const Field* find_field(std::string_view name) {
    for (const Field& field : kFields)
        if (field.name == name) return &field;
    return nullptr;
}

// A setting's value: the caller's object, else the field, else (a setting added to the
// table since) its str() as print_config shows it.
PyRef value_of(const SettingSpec& spec, const WsgiSettings& settings,
               const PythonValueOf& python_value) {
    if (PyObject* object = python_value(spec.name)) return PyRef::borrow(object);
    if (const Field* field = find_field(spec.name)) return field->get(settings);
    return to_python(spec.show(settings));
}

// gunicorn's cfg.address: (host, port) for TCP, the path of a unix socket, an fd's number.
PyRef addresses(const WsgiSettings& settings) {
    PyRef list(PyList_New(0));
    auto binds = settings.addresses();
    if (!list || !binds) return list;
    for (const Bind& bind : *binds) {
        PyRef item;
        if (bind.kind == Bind::Kind::unix_socket) {
            item = to_python(bind.path);
        } else if (bind.kind == Bind::Kind::fd) {
            item = to_python(bind.fd);
        } else {
            PyRef host = to_python(bind.host);
            if (host)
                item.reset(Py_BuildValue("(OL)", host.get(), static_cast<long long>(bind.port)));
        }
        if (!item || PyList_Append(list.get(), item.get()) != 0) return PyRef();
    }
    return list;
}

// gunicorn's worker_class_str: "threads" for the sync worker with --threads above one.
std::string worker_class_str(const WsgiSettings& settings) {
    const std::string& uri = settings.worker_class;
    bool sync = uri == "sync" || uri.ends_with("SyncWorker");
    return sync && settings.threads > 1 ? "threads" : uri;
}

StringPairs environment_pairs(const Environment& environment) {
    return StringPairs(environment.begin(), environment.end());
}

bool set_item(PyObject* dict, const char* key, PyRef value) {
    return value && PyDict_SetItemString(dict, key, value.get()) == 0;
}

}  // namespace

PyRef config_values(const WsgiSettings& settings, const PythonValueOf& python_value) {
    PyRef values(PyDict_New());
    if (!values) return values;
    for (const SettingSpec& spec : setting_specs()) {
        PyRef key = to_python(std::string(spec.name));
        PyRef value = key ? value_of(spec, settings, python_value) : PyRef();
        if (!value || PyDict_SetItem(values.get(), key.get(), value.get()) != 0) return PyRef();
    }
    return values;
}

PyRef config_properties(const WsgiSettings& settings) {
    PyRef properties(PyDict_New());
    auto env = settings.env();
    bool ok =
        properties && set_item(properties.get(), "address", addresses(settings)) &&
        set_item(properties.get(), "env", to_python(env ? *env : StringPairs{})) &&
        set_item(properties.get(), "env_orig",
                 to_python(environment_pairs(settings.environment))) &&
        set_item(properties.get(), "proc_name", to_python(settings.effective_proc_name())) &&
        set_item(properties.get(), "uid", to_python(settings.user)) &&
        set_item(properties.get(), "gid", to_python(settings.group)) &&
        set_item(properties.get(), "worker_class_str", to_python(worker_class_str(settings))) &&
        set_item(properties.get(), "is_ssl",
                 to_python(settings.certfile.has_value() || settings.keyfile.has_value()));
    return ok ? std::move(properties) : PyRef();
}

}  // namespace strata::python::detail
