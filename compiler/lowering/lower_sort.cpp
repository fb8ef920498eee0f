// sort: np.sort / ndarray.sort's default kind as an introsort emitted per
// dtype (lower_sort.h), so that LLVM sees the element type and inlines the
// comparison instead of calling libc qsort through a comparator.
#include "compiler/lowering/lower_sort.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/data_model.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Intrinsics.h"

namespace kiln::lowering {
namespace {

using typing::Kind;

constexpr int64_t kSmall = 16;  // partitions of at most this many items: insertion sort

// The pieces of one dtype's sort, each an internal function of the module.
class SortEmitter {
 public:
  SortEmitter(llvm::Module& mod, const typing::Type* dt)
      : mod_(mod), ctx_(mod.getContext()), dt_(dt), t_(memoryType(ctx_, dt)), i64_(llvm::Type::getInt64Ty(ctx_)),
        ptr_(llvm::PointerType::getUnqual(ctx_)), suffix_(dt->str()) {}

  llvm::Function* emit() {
    llvm::Function* insertion = insertionSort();
    llvm::Function* sift = siftDown();
    llvm::Function* heap = heapSort(sift);
    llvm::Function* intro = introSort(insertion, heap);
    llvm::Function* f = create("kiln.sort.", {ptr_, i64_});
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", f));
    llvm::Value* n = f->getArg(1);
    llvm::BasicBlock* run = llvm::BasicBlock::Create(ctx_, "run", f);
    llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "done", f);
    b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(1)), run, done);
    b.SetInsertPoint(run);
    // depth limit 2 * floor(log2(n))
    llvm::Function* ctlz = llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::ctlz, {i64_});
    llvm::Value* log2 = b.CreateSub(b.getInt64(63), b.CreateCall(ctlz, {n, b.getFalse()}));
    b.CreateCall(intro, {f->getArg(0), b.getInt64(0), b.CreateSub(n, b.getInt64(1)), b.CreateShl(log2, 1)});
    b.CreateBr(done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    return f;
  }

 private:
  llvm::Function* create(const char* prefix, std::vector<llvm::Type*> params) {
    auto* f = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx_), params, false),
                                     llvm::Function::InternalLinkage, absl::StrCat(prefix, suffix_), &mod_);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    return f;
  }

  // x < y in NumPy's sort order: NaN after every number.
  llvm::Value* less(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y) {
    if (dt_->kind == Kind::kFloat)
      return b.CreateOr(b.CreateFCmpOLT(x, y), b.CreateAnd(b.CreateFCmpUNO(y, y), b.CreateFCmpORD(x, x)));
    if (dt_->kind == Kind::kInt && dt_->is_signed) return b.CreateICmpSLT(x, y);
    return b.CreateICmpULT(x, y);  // unsigned, bool (0/1 bytes)
  }
  llvm::Value* at(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* k) { return b.CreateInBoundsGEP(t_, base, k); }
  llvm::Value* load(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* k) { return b.CreateLoad(t_, at(b, base, k)); }
  void store(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* k, llvm::Value* v) { b.CreateStore(v, at(b, base, k)); }
  void swap(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* i, llvm::Value* j) {
    llvm::Value* x = load(b, base, i);
    llvm::Value* y = load(b, base, j);
    store(b, base, i, y);
    store(b, base, j, x);
  }
  llvm::BasicBlock* block(llvm::Function* f, const char* name) { return llvm::BasicBlock::Create(ctx_, name, f); }

  // insertion(ptr a, i64 lo, i64 hi): a[lo..hi] (inclusive) sorted.
  llvm::Function* insertionSort() {
    llvm::Function* f = create("kiln.sort.insertion.", {ptr_, i64_, i64_});
    llvm::Value *a = f->getArg(0), *lo = f->getArg(1), *hi = f->getArg(2);
    llvm::BasicBlock* entry = block(f, "entry");
    llvm::BasicBlock* outer = block(f, "outer");
    llvm::BasicBlock* inner = block(f, "inner");
    llvm::BasicBlock* shift = block(f, "shift");
    llvm::BasicBlock* place = block(f, "place");
    llvm::BasicBlock* done = block(f, "done");
    llvm::IRBuilder<> b(entry);
    llvm::Value* first = b.CreateAdd(lo, b.getInt64(1));
    b.CreateCondBr(b.CreateICmpSLE(first, hi), outer, done);
    b.SetInsertPoint(outer);
    llvm::PHINode* i = b.CreatePHI(i64_, 2, "i");
    i->addIncoming(first, entry);
    llvm::Value* x = load(b, a, i);
    b.CreateBr(inner);
    b.SetInsertPoint(inner);
    llvm::PHINode* j = b.CreatePHI(i64_, 2, "j");
    j->addIncoming(i, outer);
    llvm::Value* jm1 = b.CreateSub(j, b.getInt64(1));
    llvm::BasicBlock* test = block(f, "test");
    b.CreateCondBr(b.CreateICmpSGT(j, lo), test, place);
    b.SetInsertPoint(test);
    llvm::Value* y = load(b, a, jm1);
    b.CreateCondBr(less(b, x, y), shift, place);
    b.SetInsertPoint(shift);
    store(b, a, j, y);
    j->addIncoming(jm1, shift);
    b.CreateBr(inner);
    b.SetInsertPoint(place);
    llvm::PHINode* where = b.CreatePHI(i64_, 2, "where");
    where->addIncoming(j, inner);
    where->addIncoming(j, test);
    store(b, a, where, x);
    llvm::Value* next = b.CreateAdd(i, b.getInt64(1));
    i->addIncoming(next, place);
    b.CreateCondBr(b.CreateICmpSLE(next, hi), outer, done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    return f;
  }

  // sift(ptr a, i64 root, i64 end): the max-heap a[0..end) repaired below root.
  llvm::Function* siftDown() {
    llvm::Function* f = create("kiln.sort.sift.", {ptr_, i64_, i64_});
    llvm::Value *a = f->getArg(0), *start = f->getArg(1), *end = f->getArg(2);
    llvm::BasicBlock* entry = block(f, "entry");
    llvm::BasicBlock* head = block(f, "head");
    llvm::BasicBlock* pick = block(f, "pick");
    llvm::BasicBlock* done = block(f, "done");
    llvm::IRBuilder<> b(entry);
    b.CreateBr(head);
    b.SetInsertPoint(head);
    llvm::PHINode* root = b.CreatePHI(i64_, 2, "root");
    root->addIncoming(start, entry);
    llvm::Value* child = b.CreateAdd(b.CreateShl(root, 1), b.getInt64(1));
    b.CreateCondBr(b.CreateICmpSLT(child, end), pick, done);
    b.SetInsertPoint(pick);
    llvm::Value* right = b.CreateAdd(child, b.getInt64(1));
    llvm::Value* has_right = b.CreateICmpSLT(right, end);
    llvm::Value* rk = b.CreateSelect(has_right, right, child);  // in range either way
    llvm::Value* take_right = b.CreateAnd(has_right, less(b, load(b, a, child), load(b, a, rk)));
    llvm::Value* c = b.CreateSelect(take_right, right, child);
    llvm::Value* rv = load(b, a, root);
    llvm::Value* cv = load(b, a, c);
    llvm::BasicBlock* down = block(f, "down");
    b.CreateCondBr(less(b, rv, cv), down, done);
    b.SetInsertPoint(down);
    store(b, a, root, cv);
    store(b, a, c, rv);
    root->addIncoming(c, down);
    b.CreateBr(head);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    return f;
  }

  // heap(ptr a, i64 m): a[0..m) sorted by heapsort (m >= 2).
  llvm::Function* heapSort(llvm::Function* sift) {
    llvm::Function* f = create("kiln.sort.heap.", {ptr_, i64_});
    llvm::Value *a = f->getArg(0), *m = f->getArg(1);
    llvm::BasicBlock* entry = block(f, "entry");
    llvm::BasicBlock* build = block(f, "build");
    llvm::BasicBlock* pop = block(f, "pop");
    llvm::BasicBlock* done = block(f, "done");
    llvm::IRBuilder<> b(entry);
    llvm::Value* top = b.CreateSub(b.CreateSDiv(m, b.getInt64(2)), b.getInt64(1));
    llvm::Value* last = b.CreateSub(m, b.getInt64(1));
    b.CreateBr(build);
    b.SetInsertPoint(build);  // for s = m/2 - 1 down to 0: sift(s, m)
    llvm::PHINode* s = b.CreatePHI(i64_, 2, "s");
    s->addIncoming(top, entry);
    b.CreateCall(sift, {a, s, m});
    llvm::Value* s1 = b.CreateSub(s, b.getInt64(1));
    s->addIncoming(s1, build);
    b.CreateCondBr(b.CreateICmpSGE(s1, b.getInt64(0)), build, pop);
    b.SetInsertPoint(pop);  // for e = m - 1 down to 1: swap(0, e); sift(0, e)
    llvm::PHINode* e = b.CreatePHI(i64_, 2, "e");
    e->addIncoming(last, build);
    swap(b, a, b.getInt64(0), e);
    b.CreateCall(sift, {a, b.getInt64(0), e});
    llvm::Value* e1 = b.CreateSub(e, b.getInt64(1));
    e->addIncoming(e1, pop);
    b.CreateCondBr(b.CreateICmpSGE(e1, b.getInt64(1)), pop, done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    return f;
  }

  // intro(ptr a, i64 lo, i64 hi, i64 depth): a[lo..hi] (inclusive) sorted.
  // Recurses on the smaller side of each partition and loops on the larger.
  llvm::Function* introSort(llvm::Function* insertion, llvm::Function* heap) {
    llvm::Function* f = create("kiln.sort.intro.", {ptr_, i64_, i64_, i64_});
    llvm::Value* a = f->getArg(0);
    llvm::BasicBlock* entry = block(f, "entry");
    llvm::BasicBlock* head = block(f, "head");
    llvm::BasicBlock* small = block(f, "small");
    llvm::BasicBlock* big = block(f, "big");
    llvm::BasicBlock* heapb = block(f, "heap");
    llvm::BasicBlock* part = block(f, "partition");
    llvm::BasicBlock* scan_i = block(f, "scan_i");
    llvm::BasicBlock* scan_j = block(f, "scan_j");
    llvm::BasicBlock* check = block(f, "check");
    llvm::BasicBlock* exch = block(f, "exchange");
    llvm::BasicBlock* split = block(f, "split");
    llvm::BasicBlock* left = block(f, "left");
    llvm::BasicBlock* right = block(f, "right");
    llvm::IRBuilder<> b(entry);
    b.CreateBr(head);

    b.SetInsertPoint(head);
    llvm::PHINode* lo = b.CreatePHI(i64_, 3, "lo");
    llvm::PHINode* hi = b.CreatePHI(i64_, 3, "hi");
    llvm::PHINode* depth = b.CreatePHI(i64_, 3, "depth");
    lo->addIncoming(f->getArg(1), entry);
    hi->addIncoming(f->getArg(2), entry);
    depth->addIncoming(f->getArg(3), entry);
    b.CreateCondBr(b.CreateICmpSLT(b.CreateSub(hi, lo), b.getInt64(kSmall)), small, big);

    b.SetInsertPoint(small);
    b.CreateCall(insertion, {a, lo, hi});
    b.CreateRetVoid();

    b.SetInsertPoint(big);
    b.CreateCondBr(b.CreateICmpEQ(depth, b.getInt64(0)), heapb, part);

    b.SetInsertPoint(heapb);
    b.CreateCall(heap, {at(b, a, lo), b.CreateAdd(b.CreateSub(hi, lo), b.getInt64(1))});
    b.CreateRetVoid();

    // Median of three: a[lo] <= a[mid] <= a[hi]; the pivot a[mid] is parked
    // at hi - 1, so a[lo] and a[hi - 1] stop the two scans.
    b.SetInsertPoint(part);
    llvm::Value* d1 = b.CreateSub(depth, b.getInt64(1));
    llvm::Value* mid = b.CreateAdd(lo, b.CreateLShr(b.CreateSub(hi, lo), 1));
    llvm::Value* vl = load(b, a, lo);
    llvm::Value* vm = load(b, a, mid);
    llvm::Value* vh = load(b, a, hi);
    llvm::Value* c1 = less(b, vm, vl);  // order (lo, mid)
    llvm::Value* l1 = b.CreateSelect(c1, vm, vl);
    llvm::Value* m1 = b.CreateSelect(c1, vl, vm);
    llvm::Value* c2 = less(b, vh, m1);  // order (mid, hi)
    llvm::Value* m2 = b.CreateSelect(c2, vh, m1);
    llvm::Value* h2 = b.CreateSelect(c2, m1, vh);
    llvm::Value* c3 = less(b, m2, l1);  // order (lo, mid) again
    llvm::Value* l3 = b.CreateSelect(c3, m2, l1);
    llvm::Value* pivot = b.CreateSelect(c3, l1, m2);
    llvm::Value* hm1 = b.CreateSub(hi, b.getInt64(1));
    store(b, a, lo, l3);
    store(b, a, hi, h2);
    store(b, a, mid, load(b, a, hm1));
    store(b, a, hm1, pivot);
    b.CreateBr(scan_i);

    // i = lo; j = hi - 1; loop { do ++i while a[i] < p; do --j while p < a[j]; if i >= j break; swap }
    b.SetInsertPoint(scan_i);
    llvm::PHINode* i0 = b.CreatePHI(i64_, 2, "i0");
    llvm::PHINode* j0 = b.CreatePHI(i64_, 2, "j0");
    i0->addIncoming(lo, part);
    j0->addIncoming(hm1, part);
    llvm::BasicBlock* si = block(f, "si");
    b.CreateBr(si);
    b.SetInsertPoint(si);
    llvm::PHINode* ii = b.CreatePHI(i64_, 2, "ii");
    ii->addIncoming(i0, scan_i);
    llvm::Value* inext = b.CreateAdd(ii, b.getInt64(1));
    ii->addIncoming(inext, si);
    b.CreateCondBr(less(b, load(b, a, inext), pivot), si, scan_j);

    b.SetInsertPoint(scan_j);
    llvm::PHINode* jj = b.CreatePHI(i64_, 2, "jj");
    jj->addIncoming(j0, si);
    llvm::Value* jnext = b.CreateSub(jj, b.getInt64(1));
    jj->addIncoming(jnext, scan_j);
    b.CreateCondBr(less(b, pivot, load(b, a, jnext)), scan_j, check);

    b.SetInsertPoint(check);
    b.CreateCondBr(b.CreateICmpSGE(inext, jnext), split, exch);

    b.SetInsertPoint(exch);
    swap(b, a, inext, jnext);
    i0->addIncoming(inext, exch);
    j0->addIncoming(jnext, exch);
    b.CreateBr(scan_i);

    // The pivot into its place i; then the smaller side recursively.
    b.SetInsertPoint(split);
    swap(b, a, inext, hm1);
    llvm::Value* im1 = b.CreateSub(inext, b.getInt64(1));
    llvm::Value* ip1 = b.CreateAdd(inext, b.getInt64(1));
    b.CreateCondBr(b.CreateICmpSLT(b.CreateSub(inext, lo), b.CreateSub(hi, inext)), left, right);

    b.SetInsertPoint(left);  // left side smaller: recurse on it, loop on [i + 1, hi]
    b.CreateCall(f, {a, lo, im1, d1});
    lo->addIncoming(ip1, left);
    hi->addIncoming(hi, left);
    depth->addIncoming(d1, left);
    b.CreateBr(head);

    b.SetInsertPoint(right);  // right side smaller: recurse on it, loop on [lo, i - 1]
    b.CreateCall(f, {a, ip1, hi, d1});
    lo->addIncoming(lo, right);
    hi->addIncoming(im1, right);
    depth->addIncoming(d1, right);
    b.CreateBr(head);
    return f;
  }

  llvm::Module& mod_;
  llvm::LLVMContext& ctx_;
  const typing::Type* dt_;
  llvm::Type* t_;
  llvm::Type* i64_;
  llvm::Type* ptr_;
  std::string suffix_;
};

}  // namespace

llvm::Function* sortFunction(llvm::Module& mod, const typing::Type* dt) {
  if (dt->kind != Kind::kBool && dt->kind != Kind::kInt && dt->kind != Kind::kFloat) return nullptr;
  if (llvm::Function* f = mod.getFunction(absl::StrCat("kiln.sort.", dt->str()))) return f;
  return SortEmitter(mod, dt).emit();
}

}  // namespace kiln::lowering
