// prange: the thread pool of runtime/cpu/kiln_parallel.h: every iteration
// runs once, in contiguous chunks, one per thread, the caller taking part;
// the lowest failed chunk's error wins and the others are cleared; a loop
// started inside a chunk runs serially; a forked child makes its own pool.
#include "kiln_parallel.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "kiln_error.h"
#include "kiln_rt.h"

namespace {

// Four threads whatever the machine has (the pool's size is read once, at
// its first loop): the chunks and their errors are tested on more than one.
const bool kFourThreads = setenv("NUMBA_NUM_THREADS", "4", 1) == 0;

struct Marks {
  std::vector<std::atomic<int>> hits;
  std::vector<int> thread;
  explicit Marks(int64_t n) : hits(n), thread(n, -1) {}
};

int32_t markChunk(void* ctx, int64_t lo, int64_t hi, KilnError*) {
  auto* m = static_cast<Marks*>(ctx);
  for (int64_t i = lo; i < hi; ++i) {
    m->hits[i].fetch_add(1);
    m->thread[i] = kiln_parallel_thread_id();
  }
  return 0;
}

TEST(KilnParallel, EveryIterationRunsOnceInContiguousChunks) {
  for (int64_t n : {0, 1, 2, 3, 7, 1000, 100003}) {
    Marks m(n);
    KilnError err{};
    ASSERT_EQ(kiln_parallel_run(markChunk, &m, n, &err), 0);
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(m.hits[i].load(), 1) << "n=" << n << " i=" << i;
    for (int64_t i = 1; i < n; ++i) EXPECT_GE(m.thread[i], m.thread[i - 1]);  // a static schedule, in order
    if (n > 0) {
      EXPECT_EQ(m.thread[0], 0);  // the caller runs chunk 0
      EXPECT_LT(m.thread[n - 1], kiln_parallel_num_threads());
    }
  }
  EXPECT_EQ(kiln_parallel_thread_id(), 0);
}

// Fails at every iteration listed in ctx (sorted), with its index as line.
struct Failing {
  std::vector<int64_t> bad;
};

int32_t failChunk(void* ctx, int64_t lo, int64_t hi, KilnError* err) {
  auto* f = static_cast<Failing*>(ctx);
  for (int64_t i = lo; i < hi; ++i)
    for (int64_t b : f->bad)
      if (b == i) {
        err->kind = KILN_INDEX_ERROR;
        err->line = static_cast<int32_t>(i);
        err->message = "bad";
        return KILN_INDEX_ERROR;
      }
  return 0;
}

TEST(KilnParallel, TheLowestFailedIterationsErrorWins) {
  ASSERT_TRUE(kFourThreads);
  ASSERT_EQ(kiln_parallel_num_threads(), 4);
  Failing f{{70000, 99000, 99999}};
  KilnError err{};
  EXPECT_EQ(kiln_parallel_run(failChunk, &f, 100000, &err), KILN_INDEX_ERROR);
  EXPECT_EQ(err.kind, KILN_INDEX_ERROR);
  EXPECT_EQ(err.line, 70000);
  kiln_error_clear(&err);
}

int32_t nestedChunk(void* ctx, int64_t lo, int64_t hi, KilnError* err) {
  auto* m = static_cast<Marks*>(ctx);
  for (int64_t i = lo; i < hi; ++i) {
    Marks inner(16);
    if (kiln_parallel_run(markChunk, &inner, 16, err) != 0) return 1;
    for (int k = 0; k < 16; ++k)
      if (inner.thread[k] != kiln_parallel_thread_id()) return 2;  // the inner loop stayed on this thread
    m->hits[i].fetch_add(1);
  }
  return 0;
}

TEST(KilnParallel, ALoopInsideAChunkRunsSerially) {
  Marks m(64);
  KilnError err{};
  EXPECT_EQ(kiln_parallel_run(nestedChunk, &m, 64, &err), 0);
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(m.hits[i].load(), 1);
}

TEST(KilnParallel, ManyLoopsInARowNeitherHangNorLeak) {
  for (int k = 0; k < 5000; ++k) {
    Marks m(37);
    KilnError err{};
    ASSERT_EQ(kiln_parallel_run(markChunk, &m, 37, &err), 0);
  }
}

TEST(KilnParallel, AForkedChildMakesItsOwnPool) {
  Marks warm(1000);
  KilnError err{};
  ASSERT_EQ(kiln_parallel_run(markChunk, &warm, 1000, &err), 0);  // the parent's pool exists
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Marks m(1000);
    KilnError e{};
    int rc = kiln_parallel_run(markChunk, &m, 1000, &e);
    for (int64_t i = 0; i < 1000; ++i)
      if (m.hits[i].load() != 1) rc = 3;
    _exit(rc);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(KilnParallel, TheRuntimeTableHasThePool) {
  const KilnRuntime* rt = kiln_runtime();
  ASSERT_NE(rt->parallel, nullptr);
  EXPECT_EQ(rt->parallel->size, sizeof(KilnParallelApi));
  EXPECT_EQ(rt->parallel->run, &kiln_parallel_run);
}

}  // namespace
