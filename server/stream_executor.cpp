#include "server/stream_executor.h"

namespace kiln::server {

StreamExecutor::StreamExecutor(int threads) {
  for (int t = 0; t < std::max(1, threads); ++t) threads_.emplace_back([this] { loop(); });
}

StreamExecutor::~StreamExecutor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void StreamExecutor::submit(const std::string& session, uint64_t stream, Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  Key key(session, stream);
  Queue& q = queues_[key];
  q.tasks.push_back(std::move(task));
  if (!q.running && q.tasks.size() == 1) {
    ready_.push_back(std::move(key));
    cv_.notify_one();
  }
}

void StreamExecutor::endSession(const std::string& session, Task then) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = queues_.lower_bound(Key(session, 0));
    if (it != queues_.end() && it->first.first == session) {
      ending_[session].push_back(std::move(then));
      return;
    }
  }
  then();
}

size_t StreamExecutor::streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queues_.size();
}

size_t StreamExecutor::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void StreamExecutor::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !ready_.empty(); });
    if (stop_) return;
    Key key = std::move(ready_.front());
    ready_.pop_front();
    Queue& q = queues_.at(key);
    Task task = std::move(q.tasks.front());
    q.tasks.pop_front();
    q.running = true;
    ++running_;
    lock.unlock();
    task();
    task = nullptr;  // what it holds goes now, not under the lock
    lock.lock();
    --running_;
    Queue& after = queues_.at(key);
    after.running = false;
    if (!after.tasks.empty()) {
      ready_.push_back(key);
      cv_.notify_one();
      continue;
    }
    queues_.erase(key);
    auto end = ending_.find(key.first);
    if (end == ending_.end()) continue;
    auto it = queues_.lower_bound(Key(key.first, 0));
    if (it != queues_.end() && it->first.first == key.first) continue;  // another stream still runs
    std::vector<Task> then = std::move(end->second);
    ending_.erase(end);
    lock.unlock();
    for (Task& t : then) t();
    lock.lock();
  }
}

}  // namespace kiln::server
