// The GIL from C++: hold it for a scope from any thread, or let it go around a blocking
// call. No Python.h here, so code outside the bridge can use it.
#pragma once

namespace strata::python {

// Holds the GIL for a scope (PyGILState_Ensure / PyGILState_Release). Nests; works on a
// thread Python has never seen (a thread state is made for the scope) and on one that
// already holds the GIL (nothing to do but count).
class GilGuard {
  public:
    GilGuard();
    ~GilGuard();
    GilGuard(const GilGuard&) = delete;
    GilGuard& operator=(const GilGuard&) = delete;

  private:
    int state_;  // a PyGILState_STATE
};

// Lets the GIL go for a scope and takes it back after (PyEval_SaveThread /
// PyEval_RestoreThread): around anything that may block. The GIL must be held.
class GilRelease {
  public:
    GilRelease();
    ~GilRelease();
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;

  private:
    void* saved_;  // the PyThreadState to restore
};

}  // namespace strata::python
