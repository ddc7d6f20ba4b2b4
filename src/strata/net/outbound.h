// Connections this server opens itself (to upstreams): non-blocking connect over TCP or
// a unix socket, the outcome read once the socket turns writable.
#pragma once

#include "strata/net/listener.h"

namespace strata::net {

struct ConnectStart {
    int fd = -1;               // the socket; -1 when it could not even be made
    int error = 0;             // errno of a connect (or socket) that failed at once
    bool in_progress = false;  // EINPROGRESS: wait for EPOLLOUT, then connect_error()
};

// socket() + connect(), non-blocking and close-on-exec; TCP sockets get TCP_NODELAY (a
// request goes out whole, Nagle's delay would only add latency). On an immediate failure
// the socket is closed and `fd` is -1.
ConnectStart start_connect(const PeerAddress& address);

// The outcome of a connect that was in progress: 0, or its errno (SO_ERROR).
int connect_error(int fd);

}  // namespace strata::net
