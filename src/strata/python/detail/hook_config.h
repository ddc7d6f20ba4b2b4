// server.cfg's contents, from WsgiSettings: each setting's value as gunicorn's Config holds
// it once validated (workers an int, bind a list of str, secure_scheme_headers a dict,
// statsd_host a (host, port) tuple, …), and the properties gunicorn's Config derives
// (address, env, env_orig, proc_name, uid, gid, worker_class_str, is_ssl, sendfile).
#pragma once

#include <Python.h>

#include <functional>
#include <string_view>

#include "strata/python/py_ref.h"
#include "strata/python/settings.h"

namespace strata::python::detail {

// Values settings keep only as a description (a hook, logconfig_dict): the Python object
// for `name` as a borrowed reference, or nullptr to use the description.
using PythonValueOf = std::function<PyObject*(std::string_view name)>;

// {name: value} for every setting; nullptr with a Python error on failure. With the GIL.
PyRef config_values(const WsgiSettings& settings, const PythonValueOf& python_value);

// {property: value} for gunicorn's derived properties. With the GIL.
PyRef config_properties(const WsgiSettings& settings);

}  // namespace strata::python::detail
