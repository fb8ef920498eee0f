#pragma once
// cuda: the primitives of the kernel language, lowered once per target.
//
// The kernel language (cuda.grid, threadIdx, shared arrays, syncthreads,
// atomics, warp votes and shuffles; typed in typing/rules_cuda.cpp) is
// lowered by shared code in lower_cuda.cpp, which asks the target's
// KernelIntrinsics for each primitive it needs. A target implements it:
//
//   - SimKernelIntrinsics (lower_cuda_sim.cpp): the CPU emulation; reads the
//     thread's KilnCudaSimThread and calls runtime/cpu/kiln_cuda_sim.h;
//   - PtxKernelIntrinsics (targets/cuda, the NVPTX target): special
//     registers, bar.sync, addrspace(3) globals, shfl/vote intrinsics.
//
// Everything built from several primitives (cuda.grid(n) from threadIdx,
// blockIdx and blockDim, atomics on an array element's address) is shared
// code, so the two targets cannot disagree about it. Every method emits at
// the builder's insertion point and returns the LLVM value of the type the
// comment says (i32 for indices, as Numba types them int32).
#include <cstdint>
#include <string>

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"

namespace kiln::lowering {

/// Which barrier syncthreads and its reductions are.
enum class BarrierKind { kSync, kCount, kAnd, kOr };
/// threadfence_block, threadfence, threadfence_system.
enum class FenceScope { kBlock, kDevice, kSystem };
/// Warp votes: all_sync, any_sync, eq_sync, ballot_sync.
enum class VoteKind { kAll, kAny, kEq, kBallot };
/// Warp shuffles: shfl_sync (an index), shfl_up_sync, shfl_down_sync,
/// shfl_xor_sync.
enum class ShuffleKind { kIdx, kUp, kDown, kXor };

class KernelIntrinsics {
 public:
  virtual ~KernelIntrinsics() = default;

  /// threadIdx / blockIdx / blockDim / gridDim along `dim` (0 x, 1 y, 2 z): i32.
  virtual llvm::Value* threadIdx(llvm::IRBuilder<>& b, int dim) = 0;
  virtual llvm::Value* blockIdx(llvm::IRBuilder<>& b, int dim) = 0;
  virtual llvm::Value* blockDim(llvm::IRBuilder<>& b, int dim) = 0;
  virtual llvm::Value* gridDim(llvm::IRBuilder<>& b, int dim) = 0;
  /// cuda.laneid: i32; cuda.warpsize: i32 (32).
  virtual llvm::Value* laneId(llvm::IRBuilder<>& b) = 0;
  virtual llvm::Value* warpSize(llvm::IRBuilder<>& b) = 0;

  /// syncthreads (kSync: the result is unused, return i32 0) and
  /// syncthreads_count/_and/_or of `predicate` (i32, nonzero true): i32.
  virtual llvm::Value* barrier(llvm::IRBuilder<>& b, BarrierKind kind, llvm::Value* predicate) = 0;
  /// A memory fence of the scope.
  virtual void fence(llvm::IRBuilder<>& b, FenceScope scope) = 0;

  /// A cuda.shared.array of `count` elements of `elem` (0: the launch's
  /// dynamic shared memory) for the call site `site` (a unique name in the
  /// module): a pointer to its first element, the same for every thread of
  /// a block. `fail` receives the condition (i1) under which the memory is
  /// not available, or nullptr when it always is.
  virtual llvm::Value* sharedArray(llvm::IRBuilder<>& b, llvm::Type* elem, uint64_t count, const std::string& site,
                                   llvm::Value** fail) = 0;
  /// Elements of dynamic shared memory of `elem` the launch provides: i64.
  virtual llvm::Value* dynamicSharedCount(llvm::IRBuilder<>& b, llvm::Type* elem) = 0;
  /// A cuda.local.array: per-thread memory of `count` elements (the
  /// caller's entry-block alloca on the CPU).
  virtual llvm::Value* localArray(llvm::IRBuilder<>& b, llvm::Type* elem, uint64_t count, llvm::AllocaInst* slot) = 0;

  /// An atomic read-modify-write of `ptr` (an element of global or shared
  /// memory); the old value.
  virtual llvm::Value* atomicRMW(llvm::IRBuilder<>& b, llvm::AtomicRMWInst::BinOp op, llvm::Value* ptr,
                                 llvm::Value* value) = 0;
  /// compare-and-swap: stores `value` when *ptr == expected; the old value.
  virtual llvm::Value* atomicCAS(llvm::IRBuilder<>& b, llvm::Value* ptr, llvm::Value* expected,
                                 llvm::Value* value) = 0;

  /// A warp vote of `predicate` (i1) over the lanes of `mask` (i32): i1,
  /// or i32 for kBallot.
  virtual llvm::Value* vote(llvm::IRBuilder<>& b, VoteKind kind, llvm::Value* mask, llvm::Value* predicate) = 0;
  /// A warp shuffle of `value` (i32, i64, float or double) with `arg` (i32:
  /// the source lane, delta or lane mask): the value of the type given.
  virtual llvm::Value* shuffle(llvm::IRBuilder<>& b, ShuffleKind kind, llvm::Value* mask, llvm::Value* value,
                               llvm::Value* arg) = 0;
  /// fp16: warp match of `value` (i32 or i64) over the lanes of `mask`:
  /// match_any_sync's lanes holding this lane's value, or (all) match_all_sync's
  /// mask when every lane holds it, else 0: i32.
  virtual llvm::Value* match(llvm::IRBuilder<>& b, bool all, llvm::Value* mask, llvm::Value* value) = 0;
  /// syncwarp(mask).
  virtual void syncWarp(llvm::IRBuilder<>& b, llvm::Value* mask) = 0;
  /// activemask(): i32.
  virtual llvm::Value* activeMask(llvm::IRBuilder<>& b) = 0;
  /// cudalang: nanosleep(ns) (i32): a hint to suspend the thread about that long.
  virtual void nanosleep(llvm::IRBuilder<>& b, llvm::Value* ns) = 0;
};

}  // namespace kiln::lowering
