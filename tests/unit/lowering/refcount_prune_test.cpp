// RefcountPrune: which incref/decref pairs cancel, on IR parsed from text.
#include <memory>
#include <string>

#include "compiler/transforms/refcount_prune.h"
#include "gtest/gtest.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace {

const char* kDecls = R"(
declare void @kiln.incref(ptr)
declare void @kiln.decref(ptr)
declare void @other(ptr)
)";

struct Pruned {
  int removed;
  int increfs;
  int decrefs;
  std::string text;
};

Pruned prune(const std::string& body) {
  llvm::LLVMContext ctx;
  llvm::SMDiagnostic err;
  std::unique_ptr<llvm::Module> m = llvm::parseAssemblyString(std::string(kDecls) + body, err, ctx);
  if (!m) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    err.print("test", os);
    ADD_FAILURE() << msg;
    return {};
  }
  Pruned out{};
  out.removed = kiln::transforms::RefcountPrune().run(*m);
  for (llvm::Function& f : *m)
    for (llvm::BasicBlock& bb : f)
      for (llvm::Instruction& i : bb)
        if (auto* call = llvm::dyn_cast<llvm::CallInst>(&i)) {
          if (call->getCalledFunction()->getName() == "kiln.incref") ++out.increfs;
          if (call->getCalledFunction()->getName() == "kiln.decref") ++out.decrefs;
        }
  llvm::raw_string_ostream os(out.text);
  m->print(os, nullptr);
  return out;
}

TEST(RefcountPrune, AdjacentPairCancels) {
  Pruned p = prune(R"(
define void @f(ptr %a) {
  call void @kiln.incref(ptr %a)
  call void @kiln.decref(ptr %a)
  ret void
})");
  EXPECT_EQ(p.removed, 1);
  EXPECT_EQ(p.increfs + p.decrefs, 0);
}

TEST(RefcountPrune, PairAcrossOtherRefcountOpsAndPureCodeCancels) {
  // A return: the result is retained, then everything held is released.
  Pruned p = prune(R"(
define void @f({ptr, ptr} %s, ptr %b) {
  %a = extractvalue {ptr, ptr} %s, 0
  call void @kiln.incref(ptr %a)
  call void @kiln.decref(ptr %b)
  %x = add i64 1, 2
  call void @kiln.decref(ptr %a)
  ret void
})");
  EXPECT_EQ(p.removed, 1);
  EXPECT_EQ(p.increfs, 0);
  EXPECT_EQ(p.decrefs, 1);  // %b's stays
  EXPECT_NE(p.text.find("@kiln.decref(ptr %b)"), std::string::npos);
}

TEST(RefcountPrune, OneFieldExtractedTwiceIsOnePointer) {
  // An edge retains the array it passes on and releases the one that dies.
  Pruned p = prune(R"(
define void @f({ptr, ptr} %x, {ptr, ptr} %y) {
  %a1 = extractvalue {ptr, ptr} %x, 0
  call void @kiln.incref(ptr %a1)
  %a2 = extractvalue {ptr, ptr} %x, 0
  %b2 = extractvalue {ptr, ptr} %y, 0
  %c2 = extractvalue {ptr, ptr} %x, 1
  call void @kiln.decref(ptr %b2)
  call void @kiln.decref(ptr %c2)
  call void @kiln.decref(ptr %a2)
  ret void
})");
  EXPECT_EQ(p.removed, 1);
  EXPECT_EQ(p.increfs, 0);
  EXPECT_EQ(p.decrefs, 2);  // %y's and the other field's stay
}

TEST(RefcountPrune, MemoryAccessBetweenKeepsThePair) {
  // The object may be read between: its count must not drop first.
  Pruned p = prune(R"(
define double @f(ptr %a, ptr %data) {
  call void @kiln.incref(ptr %a)
  %v = load double, ptr %data
  call void @kiln.decref(ptr %a)
  ret double %v
})");
  EXPECT_EQ(p.removed, 0);
  EXPECT_EQ(p.increfs, 1);
  EXPECT_EQ(p.decrefs, 1);
}

TEST(RefcountPrune, CallBetweenKeepsThePair) {
  Pruned p = prune(R"(
define void @f(ptr %a) {
  call void @kiln.incref(ptr %a)
  call void @other(ptr %a)
  call void @kiln.decref(ptr %a)
  ret void
})");
  EXPECT_EQ(p.removed, 0);
}

TEST(RefcountPrune, DecrefBeforeIncrefIsNotAPair) {
  // Dropping first may free the object; the increment after cannot undo that.
  Pruned p = prune(R"(
define void @f(ptr %a) {
  call void @kiln.decref(ptr %a)
  call void @kiln.incref(ptr %a)
  ret void
})");
  EXPECT_EQ(p.removed, 0);
}

TEST(RefcountPrune, DifferentPointersOrBlocksDoNotCancel) {
  Pruned p = prune(R"(
define void @f(ptr %a, ptr %b, i1 %c) {
entry:
  call void @kiln.incref(ptr %a)
  call void @kiln.decref(ptr %b)
  br i1 %c, label %then, label %done
then:
  call void @kiln.decref(ptr %a)
  br label %done
done:
  ret void
})");
  EXPECT_EQ(p.removed, 0);
  EXPECT_EQ(p.increfs, 1);
  EXPECT_EQ(p.decrefs, 2);
}

TEST(RefcountPrune, EachDecrefTakesTheNearestIncref) {
  Pruned p = prune(R"(
define void @f(ptr %a) {
  call void @kiln.incref(ptr %a)
  call void @kiln.incref(ptr %a)
  call void @kiln.decref(ptr %a)
  ret void
})");
  EXPECT_EQ(p.removed, 1);
  EXPECT_EQ(p.increfs, 1);
  EXPECT_EQ(p.decrefs, 0);
}

}  // namespace
