// Loads the app named on the command line the way gunicorn 20.1's import_app does:
// "MODULE[:VARIABLE]", VARIABLE defaulting to `application`, or a call of a factory
// with literal arguments ("myapp:create_app('prod', workers=2)"), with gunicorn's error
// messages.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/python/wsgi_options.h"

namespace strata::python {

// The app, served with `options`. The error is what to print: gunicorn's one-line
// message ("Failed to find attribute 'app' in 'hello'.", "Application object must be
// callable.", ...), or the full traceback of an exception raised while importing the
// module or calling the factory. Needs the GIL (takes it if the thread has not).
Result<std::unique_ptr<gateway::App>, std::string> load_app(std::string_view spec,
                                                            const WsgiOptions& options);

}  // namespace strata::python
