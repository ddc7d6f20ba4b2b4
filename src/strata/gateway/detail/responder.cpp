#include "strata/gateway/detail/responder.h"

#include <unistd.h>

#include <algorithm>
#include <exception>

#include <fmt/core.h>

#include "strata/base/log.h"

namespace strata::gateway::detail {
namespace {

// A body known to be in memory is gathered up to this much and sent with its head in
// one go; beyond it, it streams.
constexpr size_t kGatherLimit = 256 * 1024;

void log_failure(const Job& job, std::string_view why) {
    log::error("Error handling request {}: {}", job.request.target, why);
}

}  // namespace

std::string Responder::start(std::string_view status, ResponseHeaders headers, bool replace) {
    if (head_sent_ && replace) return "the response headers were already sent";
    if (started() && !replace)
        return "start_response() called a second time without exc_info (PEP 3333)";
    auto checked = check_response_start(status, std::move(headers));
    if (!checked) return checked.error();
    job_.start = std::move(checked.value());
    return {};
}

bool Responder::write(std::string_view bytes) {
    if (!started()) {
        error_ = "write() called before start_response()";
        return false;
    }
    return send(bytes, false);
}

// Bytes past the announced Content-Length are dropped, as gunicorn does.
std::string_view Responder::clip(std::string_view bytes) {
    int64_t length = job_.start->content_length;
    if (length < 0) return bytes;
    uint64_t room = static_cast<uint64_t>(length) - std::min<uint64_t>(body_sent_, length);
    if (bytes.size() <= room) return bytes;
    if (!clipped_)
        log::warn("response to {} is longer than its Content-Length {}: the rest is dropped",
                  job_.request.target, length);
    clipped_ = true;
    return bytes.substr(0, room);
}

bool Responder::send(std::string_view bytes, bool may_gather) {
    if (!started()) {
        error_ = "the application returned body bytes before calling start_response()";
        return false;
    }
    if (client_gone()) {
        error_.clear();
        return false;
    }
    bytes = clip(bytes);
    if (bytes.empty()) return true;
    body_sent_ += bytes.size();
    if (!head_sent_ && may_gather && gathered_.size() + bytes.size() <= kGatherLimit) {
        gathered_.append(bytes);
        return true;
    }
    if (head_sent_) {
        post_bytes(std::string(bytes));
    } else {
        gathered_.append(bytes);
        send_head();  // the head and these first bytes in one message
    }
    // A body already in memory costs no more queued than held by the app: waiting for a
    // slow client would only hold the app thread.
    if (!may_gather) job_.channel.wait_for_window(job_);
    return !client_gone();
}

bool Responder::send_file(int fd, off_t offset, uint64_t length) {
    if (!started() || client_gone()) {
        ::close(fd);
        if (!started()) error_ = "the application returned a file before calling start_response()";
        return false;
    }
    int64_t announced = job_.start->content_length;
    if (announced >= 0)
        length = std::min<uint64_t>(
            length, static_cast<uint64_t>(announced) - std::min<uint64_t>(body_sent_, announced));
    if (length == 0) {
        ::close(fd);
        return true;
    }
    body_sent_ += length;
    if (!head_sent_) send_head();
    job_.posted += length;
    Message m{Message::Kind::file, &job_, {}, fd, offset, length, true};
    job_.channel.post(std::move(m));
    job_.channel.wait_for_window(job_);
    return !client_gone();
}

void Responder::send_head() {
    head_sent_ = true;
    job_.posted += gathered_.size();
    job_.channel.post({Message::Kind::begin, &job_, std::move(gathered_), -1, 0, 0, true});
    gathered_.clear();
}

void Responder::post_bytes(std::string bytes) {
    job_.posted += bytes.size();
    job_.channel.post({Message::Kind::bytes, &job_, std::move(bytes), -1, 0, 0, true});
}

void Responder::finish() {
    if (client_gone()) {
        job_.channel.post(
            {head_sent_ ? Message::Kind::end : Message::Kind::drop, &job_, {}, -1, 0, 0, false});
        return;
    }
    if (!started()) return fail("the application never called start_response()");
    int64_t announced = job_.start->content_length;
    bool complete = announced < 0 || body_sent_ >= static_cast<uint64_t>(announced);
    if (!complete && bodiless()) {
        // No body goes out (HEAD, 1xx, 204, 304), so none is missing: the head carries
        // the app's length (a HEAD answer announces the GET's) and the connection lives on.
        if (!head_sent_) send_head();
        job_.channel.post({Message::Kind::end, &job_, {}, -1, 0, 0, true});
        return;
    }
    if (!complete)
        log::error(
            "response to {} is shorter than its Content-Length ({} of {} bytes): the "
            "connection is closed",
            job_.request.target, body_sent_, announced);
    if (!head_sent_ && complete) {
        job_.channel.post({Message::Kind::respond, &job_, std::move(gathered_), -1, 0, 0, true});
        return;
    }
    if (!head_sent_) send_head();
    job_.channel.post({Message::Kind::end, &job_, {}, -1, 0, 0, complete});
}

bool Responder::bodiless() const {
    int status = job_.start->status;
    return job_.request.method == "HEAD" || status < 200 || status == 204 || status == 304;
}

void Responder::fail(std::string_view why) {
    log_failure(job_, why);
    if (client_gone() && !head_sent_)
        return job_.channel.post({Message::Kind::drop, &job_, {}, -1, 0, 0, false});
    job_.channel.post(
        {head_sent_ ? Message::Kind::end : Message::Kind::fail, &job_, {}, -1, 0, 0, false});
}

namespace {

// Drives the body; returns the failure to report, or "" when it ended (or the client
// left).
std::string drive_body(Body& body, Responder& responder, const Job& job) {
    bool gather = body.in_memory();
    for (;;) {
        if (job.client_gone.load()) return {};
        BodyPart part = body.next();
        switch (part.kind) {
            case BodyPart::Kind::bytes:
                if (!responder.send(part.bytes, gather)) return std::string(responder.error());
                break;
            case BodyPart::Kind::file:
                if (!responder.send_file(part.fd, part.offset, part.length))
                    return std::string(responder.error());
                break;
            case BodyPart::Kind::end:
                return {};
            case BodyPart::Kind::error:
                return part.message.empty() ? "the application's body failed" : part.message;
        }
    }
}

// A native app that throws gets what a failing WSGI app gets (a 500, or a cut
// connection), not a dead worker.
std::unique_ptr<Body> call_app(App& app, Job& job, Responder& responder, std::string& error) {
    try {
        return app.call(job.request, responder, error);
    } catch (const std::exception& e) {
        error = fmt::format("the application threw: {}", e.what());
        return nullptr;
    }
}

std::string drive_guarded(Body& body, Responder& responder, const Job& job) {
    try {
        return drive_body(body, responder, job);
    } catch (const std::exception& e) {
        return fmt::format("the application's body threw: {}", e.what());
    }
}

void close_guarded(Body& body, const Job& job) {
    try {
        body.close();
    } catch (const std::exception& e) {
        log::error("closing the body of {} threw: {}", job.request.target, e.what());
    }
}

}  // namespace

void run_job(App& app, Job& job) {
    if (job.client_gone.load()) {
        job.channel.post({Message::Kind::drop, &job, {}, -1, 0, 0, false});
        return;
    }
    Responder responder(job);
    std::string error;
    std::unique_ptr<Body> body = call_app(app, job, responder, error);
    if (!body) return responder.fail(error.empty() ? "the application failed" : error);
    std::string failure = drive_guarded(*body, responder, job);
    // Closed and destroyed before the final message: the job (and the Request, which the
    // body may hold on to) is gone after it.
    close_guarded(*body, job);
    body.reset();
    if (!failure.empty()) return responder.fail(failure);
    responder.finish();
}

}  // namespace strata::gateway::detail
