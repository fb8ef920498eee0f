#include "server/launch_queues.h"

#include "absl/strings/str_cat.h"

namespace kiln::server {

namespace {

// Tombstones of ended sessions: enough that a client is not forgotten while
// it could still call (each is 16 bytes of key).
constexpr size_t kMaxGone = 1 << 16;

std::string sessionName(const std::string& session) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < session.size() && i < 4; ++i) {
    out.push_back(kHex[static_cast<unsigned char>(session[i]) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(session[i]) & 15]);
  }
  return out;
}

absl::Status goneError(const std::string& session) {
  return absl::FailedPreconditionError(
      absl::StrCat("launch session ", sessionName(session),
                   "... was ended (its client went away or was silent too long): its queued launches were "
                   "dropped and its device memory freed"));
}

}  // namespace

LaunchQueues::LaunchQueues(int devices, size_t max_queued, absl::Duration session_idle, int concurrent_streams,
                           std::function<void(const std::string&)> on_end,
                           std::function<bool(const std::string&)> holds)
    : max_queued_(std::max<size_t>(1, max_queued)),
      session_idle_(session_idle),
      on_end_(std::move(on_end)),
      holds_(std::move(holds)),
      ready_(static_cast<size_t>(devices)),
      queued_(static_cast<size_t>(devices)),
      dropped_(static_cast<size_t>(devices)) {
  for (int d = 0; d < devices; ++d)
    for (int k = 0; k < std::max(1, concurrent_streams); ++k)
      runners_.emplace_back([this, d] { runner(static_cast<uint32_t>(d)); });
  // Its own thread: every runner may be inside a long launch.
  runners_.emplace_back([this] { sweeper(); });
}

void LaunchQueues::sweeper() {
  const absl::Duration every = std::min(absl::Seconds(1), session_idle_ / 4);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), every);
      if (stop_) return;
      expireLocked(absl::Now());
    }
    reportEnded();
  }
}

void LaunchQueues::reportEnded() {
  std::vector<std::string> ended;
  {
    absl::MutexLock lock(&mu_);
    ended.swap(ended_);
  }
  if (on_end_ == nullptr) return;
  for (const std::string& session : ended) on_end_(session);
}

LaunchQueues::~LaunchQueues() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : runners_) t.join();
}

void LaunchQueues::schedule(const std::shared_ptr<Queue>& q) {
  if (q->scheduled || q->running || q->entries.empty() || q->dropped) return;
  q->scheduled = true;
  ready_[q->device].push_back(q);
}

void LaunchQueues::dropLocked(Session& session) {
  session.ended = true;
  if (on_end_ != nullptr && ended_.size() < kMaxSessions) ended_.push_back(session.key);
  for (auto& [stream, q] : session.streams) {
    q->dropped = true;
    queued_[q->device] -= q->entries.size();
    dropped_[q->device] += q->entries.size();
    q->entries.clear();  // frees their requests now; a running launch finishes
  }
  session.queued = 0;
}

void LaunchQueues::expireLocked(absl::Time now) {
  std::vector<std::string> expired;
  for (auto& [key, s] : sessions_) {
    if (now - s->last_call <= session_idle_) continue;
    bool running = false;
    for (const auto& [id, q] : s->streams) running = running || q->running;
    if (!running) expired.push_back(key);  // a running launch's outcome is waited for
  }
  for (const std::string& key : expired) {
    Session& s = *sessions_[key];
    // A session with nothing queued and nothing to report is forgotten: a
    // later call starts afresh and loses nothing. One that loses launches
    // or a failure is remembered, so its client is told.
    bool loses = s.queued != 0 || (holds_ != nullptr && holds_(key));
    for (const auto& [id, q] : s.streams) loses = loses || !q->failure.ok() || q->kernel_error.kind() != 0;
    dropLocked(s);
    sessions_.erase(key);
    if (!loses) continue;
    if (gone_.size() >= kMaxGone) gone_.clear();
    gone_.insert(key);
  }
}

void LaunchQueues::runner(uint32_t device) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    auto has_work = [this, device]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !ready_[device].empty(); };
    mu_.Await(absl::Condition(&has_work));
    if (stop_) return;
    std::shared_ptr<Queue> q = std::move(ready_[device].front());
    ready_[device].pop_front();
    q->scheduled = false;
    if (q->dropped || q->entries.empty()) continue;
    Entry e = std::move(q->entries.front());
    q->entries.pop_front();
    --queued_[device];
    std::shared_ptr<Session> owner = q->owner.lock();
    if (owner != nullptr) --owner->queued;
    q->running = true;
    mu_.Unlock();
    kiln::v1::KernelError kernel_error;
    absl::Status s = e.work(&kernel_error);
    e.work = nullptr;  // its request and buffers go now, not under the lock
    mu_.Lock();
    q->running = false;
    if ((!s.ok() || kernel_error.kind() != 0) && q->failure.ok() && q->kernel_error.kind() == 0) {
      q->failure = s;
      q->kernel_error = std::move(kernel_error);
      q->failed_kernel = e.kernel;
    }
    if (!q->failure.ok() || q->kernel_error.kind() != 0) {
      // What follows on the stream may read what the failed launch left:
      // it is not run.
      if (owner != nullptr && !q->dropped) owner->queued -= q->entries.size();
      queued_[device] -= q->entries.size();
      dropped_[device] += q->entries.size();
      q->entries.clear();
    }
    schedule(q);
  }
}

absl::StatusOr<std::shared_ptr<LaunchQueues::Session>> LaunchQueues::sessionLocked(const std::string& session,
                                                                                   bool create) {
  if (gone_.contains(session)) return goneError(session);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) {
    if (!create) return std::shared_ptr<Session>();
    if (session.size() > kMaxSessionBytes)
      return absl::InvalidArgumentError(
          absl::StrCat("a session key is at most ", kMaxSessionBytes, " bytes, not ", session.size()));
    if (sessions_.size() >= kMaxSessions) {
      expireLocked(absl::Now());
      if (sessions_.size() >= kMaxSessions)
        return absl::ResourceExhaustedError(absl::StrCat(
            "this kilnd has ", kMaxSessions, " clients with asynchronous launches or device memory; try again later"));
    }
    it = sessions_.emplace(session, std::make_shared<Session>()).first;
    it->second->key = session;
  }
  it->second->last_call = absl::Now();
  return it->second;
}

absl::Status LaunchQueues::touch(const std::string& session, bool create) {
  absl::MutexLock lock(&mu_);
  return sessionLocked(session, create).status();
}

absl::Status LaunchQueues::enqueue(const std::string& session, uint64_t stream, uint32_t device,
                                   const std::string& kernel, Work work, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (device >= ready_.size()) return absl::InvalidArgumentError(absl::StrCat("there is no GPU ", device));
  absl::StatusOr<std::shared_ptr<Session>> found = sessionLocked(session, /*create=*/true);
  if (!found.ok()) return found.status();
  std::shared_ptr<Session> s = *std::move(found);
  auto qit = s->streams.find(stream);
  if (qit == s->streams.end()) {
    if (s->streams.size() >= kMaxStreams)
      return absl::ResourceExhaustedError(
          absl::StrCat("a client may have ", kMaxStreams, " streams with asynchronous launches"));
    qit = s->streams.emplace(stream, std::make_shared<Queue>()).first;
    qit->second->device = device;
    qit->second->owner = s;
  }
  std::shared_ptr<Queue> q = qit->second;
  // Backpressure: room in the session, and a stream on one device at a time.
  auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return s->ended || stop_ || (s->queued < max_queued_ && (q->device == device || q->idle()));
  };
  if (!mu_.AwaitWithDeadline(absl::Condition(&room), deadline))
    return absl::DeadlineExceededError(absl::StrCat("launch of ", kernel, ": ", max_queued_,
                                                    " launches of this client are queued and its deadline passed"));
  if (s->ended) return goneError(session);
  if (stop_) return absl::UnavailableError("kilnd is stopping");
  s->last_call = absl::Now();
  q->device = device;
  if (!q->failure.ok() || q->kernel_error.kind() != 0) {
    // An earlier launch of the stream failed and the client has not synced
    // yet: this one would run on what it left, so it is dropped, and the
    // next sync reports the failure.
    ++dropped_[device];
    return absl::OkStatus();
  }
  q->entries.push_back(Entry{kernel, std::move(work)});
  ++s->queued;
  ++queued_[device];
  schedule(q);
  return absl::OkStatus();
}

absl::Status LaunchQueues::sync(const std::string& session, uint64_t stream, bool end, absl::Time deadline,
                                kiln::v1::SyncLaunchesResponse& reply) {
  absl::Status s = syncOrEnd(session, stream, end, deadline, reply);
  if (end) reportEnded();
  return s;
}

absl::Status LaunchQueues::syncOrEnd(const std::string& session, uint64_t stream, bool end, absl::Time deadline,
                                      kiln::v1::SyncLaunchesResponse& reply) {
  absl::MutexLock lock(&mu_);
  if (gone_.contains(session)) return goneError(session);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return absl::OkStatus();  // nothing was queued
  std::shared_ptr<Session> s = it->second;
  s->last_call = absl::Now();
  std::vector<std::shared_ptr<Queue>> queues;
  for (auto& [id, q] : s->streams)
    if (stream == 0 || id == stream) queues.push_back(q);
  if (end) {
    dropLocked(*s);
    sessions_.erase(session);
    if (gone_.size() >= kMaxGone) gone_.clear();
    gone_.insert(session);
    return absl::OkStatus();
  }
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (s->ended || stop_) return true;
    for (const auto& q : queues)
      if (!q->idle()) return false;
    return true;
  };
  if (!mu_.AwaitWithDeadline(absl::Condition(&done), deadline))
    return absl::DeadlineExceededError("synchronize: the queued launches did not finish before the deadline");
  if (s->ended) return goneError(session);
  s->last_call = absl::Now();
  // The first failure is reported; the others of what was waited for are
  // cleared with it (CUDA reports one error too), so none is reported twice
  // or to a later, unrelated sync.
  absl::Status first;
  bool found = false;
  for (const auto& q : queues) {
    if (q->failure.ok() && q->kernel_error.kind() == 0) continue;
    if (!found) {
      found = true;
      first = std::move(q->failure);
      if (q->kernel_error.kind() != 0) {
        *reply.mutable_kernel_error() = std::move(q->kernel_error);
        reply.set_kernel_name(q->failed_kernel);
      }
    }
    q->failure = absl::OkStatus();
    q->kernel_error.Clear();
    q->failed_kernel.clear();
  }
  return first;
}

uint64_t LaunchQueues::queued(uint32_t device) const {
  absl::MutexLock lock(&mu_);
  return device < queued_.size() ? queued_[device] : 0;
}

uint64_t LaunchQueues::dropped(uint32_t device) const {
  absl::MutexLock lock(&mu_);
  return device < dropped_.size() ? dropped_[device] : 0;
}

}  // namespace kiln::server
