// kiln_load: N concurrent clients, each with its own channel (its own
// connection), compiling one bundle against one server for a bounded time,
// a mix of cache hits and misses. Prints the figures for docs/security.md;
// exit status 1 on any error. Run by scripts/drills/concurrent_clients.py.
//
//   kiln_load --target 127.0.0.1:PORT --bundle FILE --clients 1000 --seconds 20 --miss-percent 5
//
// FILE is a serialized kiln.v1.Bundle of a function of one argument. A hit
// re-requests one of a few keys compiled before the clock starts; a miss asks
// for a key nobody asked for before (argument type x opt level x fast-math
// flags x boundscheck x error model: 20,480 keys). The clients connect 32 at
// a time, all before the clock starts.
//
// For bench/server_hits.py (cache-hit latency and throughput):
//   --tls-ca FILE          TLS to a TCP target, verifying the server against FILE
//   --tls-server-name N    the name the server's certificate carries (default: the host)
//   --warmup-requests N    each client sends N untimed hits after connecting,
//                          before the clock starts (default 0)
//   --json FILE            also write the figures, in microseconds, to FILE

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "kiln/client/client.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace pb = kiln::v1;

const char* const kTypes[] = {"int64", "int32", "int16", "int8", "uint64",
                              "uint32", "uint16", "uint8", "float64", "float32"};
const char* const kFlags[] = {"afn", "arcp", "contract", "ninf", "nnan", "nsz", "reassoc"};
constexpr int kKeys = 10 * 4 * 128 * 2 * 2;

kiln::client::CompileArgs argsForKey(int key) {
  kiln::client::CompileArgs a;
  a.arg_types = {kTypes[key % 10]};
  key /= 10;
  a.options.set_opt_level(key % 4);
  key /= 4;
  for (int bit = 0; bit < 7; ++bit)
    if (key & (1 << bit)) a.options.add_fastmath_flags(kFlags[bit]);
  key >>= 7;
  a.options.set_boundscheck(key % 2);
  key /= 2;
  a.options.set_error_model(key % 2 ? "numpy" : "python");
  return a;
}

struct Flags {
  std::string target, bundle;
  int clients = 1000;
  double seconds = 20;
  int miss_percent = 5;
  int hit_keys = 8;
  // hitbench: TLS, per-client warm-up, JSON figures.
  std::string tls_ca, tls_server_name, json;
  int warmup_requests = 0;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool parse(int argc, char** argv, Flags* f) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--target") f->target = v;
    else if (k == "--bundle") f->bundle = v;
    else if (k == "--clients") f->clients = std::atoi(v.c_str());
    else if (k == "--seconds") f->seconds = std::atof(v.c_str());
    else if (k == "--miss-percent") f->miss_percent = std::atoi(v.c_str());
    else if (k == "--hit-keys") f->hit_keys = std::atoi(v.c_str());
    else if (k == "--tls-ca") f->tls_ca = v;
    else if (k == "--tls-server-name") f->tls_server_name = v;
    else if (k == "--warmup-requests") f->warmup_requests = std::atoi(v.c_str());
    else if (k == "--json") f->json = v;
    else return false;
  }
  return (argc % 2) == 1 && !f->target.empty() && !f->bundle.empty() && f->clients > 0 && f->seconds > 0 &&
         f->hit_keys > 0 && f->warmup_requests >= 0;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  if (!parse(argc, argv, &f)) {
    std::fprintf(stderr,
                 "usage: kiln_load --target T --bundle FILE [--clients N] [--seconds S] [--miss-percent P] "
                 "[--hit-keys K] [--tls-ca FILE] [--tls-server-name NAME] [--warmup-requests N] [--json FILE]\n");
    return 2;
  }
  std::ifstream in(f.bundle, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  pb::Bundle bundle;
  if (!bundle.ParseFromString(bytes)) {
    std::fprintf(stderr, "kiln_load: %s is not a serialized kiln.v1.Bundle\n", f.bundle.c_str());
    return 2;
  }
  const kiln::client::BundleHash hash = kiln::client::bundleHash(bundle);
  kiln::client::ConnectOptions connect_options;
  if (!f.tls_ca.empty()) {
    connect_options.tls = true;
    connect_options.tls_ca_pem = readFile(f.tls_ca);
    connect_options.tls_server_name = f.tls_server_name;
    if (connect_options.tls_ca_pem.empty()) {
      std::fprintf(stderr, "kiln_load: cannot read %s\n", f.tls_ca.c_str());
      return 2;
    }
  }

  // The hit keys are compiled first, by one client.
  {
    kiln::client::Client warm(f.target, connect_options, std::nullopt);
    for (int k = 0; k < f.hit_keys; ++k) {
      auto r = warm.compile(bundle, hash, argsForKey(k));
      if (!r.ok() || r->status() != pb::CompileResponse::STATUS_OK) {
        std::fprintf(stderr, "kiln_load: warm-up compile failed: %s\n",
                     r.ok() ? r->diagnostic().message().c_str() : r.status().ToString().c_str());
        return 1;
      }
    }
  }

  std::atomic<int> next_miss{f.hit_keys};
  std::atomic<int64_t> requests{0}, hits{0}, misses{0}, errors{0}, server_hits{0};
  std::atomic<int> connected{0};
  std::atomic<bool> go{false};
  std::counting_semaphore<> connecting(32);
  std::mutex mu;
  std::vector<double> latencies_ms, hit_ms, miss_ms;
  std::vector<std::string> first_errors;
  Clock::time_point end;

  std::vector<std::thread> threads;
  threads.reserve(f.clients);
  for (int c = 0; c < f.clients; ++c) {
    threads.emplace_back([&, c] {
      kiln::client::Client client(f.target, connect_options, std::nullopt);  // its own channel
      // Connections open at most kConnecting at a time: the drill is about
      // clients that are all connected and calling, not a SYN flood.
      connecting.acquire();
      absl::Status s = client.awaitConnected();
      connecting.release();
      std::vector<double> mine, mine_hit, mine_miss;
      std::mt19937 rng(static_cast<uint32_t>(c) * 7919u + 1);
      auto fail = [&](const std::string& what) {
        errors.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu);
        if (first_errors.size() < 5) first_errors.push_back(what);
      };
      if (!s.ok()) fail(s.ToString());
      // Untimed hits: the channel's first calls, the server's first reads.
      for (int w = 0; s.ok() && w < f.warmup_requests; ++w) {
        auto r = client.compile(bundle, hash, argsForKey(static_cast<int>(rng() % f.hit_keys)));
        if (!r.ok()) s = r.status();
        else if (r->status() != pb::CompileResponse::STATUS_OK) s = absl::InternalError("warm-up hit failed");
        if (!s.ok()) fail("warm-up: " + s.ToString());
      }
      connected.fetch_add(1);
      while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      while (s.ok() && Clock::now() < end) {
        bool miss = static_cast<int>(rng() % 100) < f.miss_percent;
        int key = miss ? next_miss.fetch_add(1) : static_cast<int>(rng() % f.hit_keys);
        if (key >= kKeys) {
          miss = false;
          key = static_cast<int>(rng() % f.hit_keys);
        }
        auto t0 = Clock::now();
        auto r = client.compile(bundle, hash, argsForKey(key));
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        requests.fetch_add(1);
        (miss ? misses : hits).fetch_add(1);
        if (!r.ok()) {
          fail(r.status().ToString());
        } else if (r->status() != pb::CompileResponse::STATUS_OK || r->artifact().shared_object().empty()) {
          fail("compile reply without an artifact: " + r->diagnostic().message());
        } else {
          if (r->cache_hit()) server_hits.fetch_add(1);
          mine.push_back(ms);
          (miss ? mine_miss : mine_hit).push_back(ms);
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      hit_ms.insert(hit_ms.end(), mine_hit.begin(), mine_hit.end());
      miss_ms.insert(miss_ms.end(), mine_miss.begin(), mine_miss.end());
    });
  }
  while (connected.load() < f.clients) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto start = Clock::now();
  end = start + std::chrono::microseconds(static_cast<int64_t>(f.seconds * 1e6));
  go.store(true);
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all = latencies_ms;
  double p50 = percentile(all, 0.50), p99 = percentile(all, 0.99);
  double max = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  std::printf(
      "clients %d, %.1f s: %lld requests (%lld hit keys, %lld miss keys; server cache hits %lld), %lld errors, "
      "%.0f requests/s, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      f.clients, wall, static_cast<long long>(requests.load()), static_cast<long long>(hits.load()),
      static_cast<long long>(misses.load()), static_cast<long long>(server_hits.load()),
      static_cast<long long>(errors.load()), static_cast<double>(requests.load()) / wall, p50, p99, max);
  std::printf("hits: p50 %.1f ms, p99 %.1f ms; misses: p50 %.1f ms, p99 %.1f ms\n", percentile(hit_ms, 0.5),
              percentile(hit_ms, 0.99), percentile(miss_ms, 0.5), percentile(miss_ms, 0.99));
  for (const std::string& e : first_errors) std::printf("  error: %s\n", e.c_str());
  if (!f.json.empty()) {
    // Microseconds, so that sub-millisecond hits keep their digits.
    const double us = 1000;
    auto ll = [](const std::atomic<int64_t>& n) { return static_cast<long long>(n.load()); };
    char text[1024];
    std::snprintf(
        text, sizeof text,
        "{\"clients\": %d, \"seconds\": %.6f, \"requests\": %lld, \"hit_requests\": %lld, "
        "\"miss_requests\": %lld, \"server_cache_hits\": %lld, \"errors\": %lld, \"requests_per_second\": %.3f, "
        "\"p50_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f, \"hit_p50_us\": %.3f, \"hit_p99_us\": %.3f, "
        "\"miss_p50_us\": %.3f, \"miss_p99_us\": %.3f}\n",
        f.clients, wall, ll(requests), ll(hits), ll(misses), ll(server_hits), ll(errors),
        static_cast<double>(requests.load()) / wall, p50 * us, p99 * us, max * us, percentile(hit_ms, 0.5) * us,
        percentile(hit_ms, 0.99) * us, percentile(miss_ms, 0.5) * us, percentile(miss_ms, 0.99) * us);
    std::ofstream out(f.json);
    out << text;
    if (!out) {
      std::fprintf(stderr, "kiln_load: cannot write %s\n", f.json.c_str());
      return 1;
    }
  }
  return errors.load() == 0 ? 0 : 1;
}
