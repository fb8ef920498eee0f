"""objmode: ``with objmode(out="type", ...):`` blocks, as Numba runs them.

The block's body runs in the interpreter; compiled code never sees it. When
the bundle is built, a function holding such a block is compiled again from
its source (``inspect.getsource`` and ``ast``), with each block replaced by
one call at the ``with`` line::

    y, label = __kiln_objmode__("<key>", "y=array(float64, 1d, A)\\nlabel=unicode_type", x, acc, n)

``__kiln_objmode__`` is the builtin "kiln.objmode_call": typing reads the
outputs' types off its constant text, lowering hands the inputs to the
runtime's objmode hook (runtime/cpu/kiln_objmode.h), and the Python client's
hook (src/objmode_hook.cpp) calls ``_run(key, inputs)``, which runs the
block's own Python function, made here from the block's statements (their
line numbers kept, compiled under the function's filename, with the
function's ``__globals__``, so globals resolve at run time and a traceback
points at the user's lines).

The key names the block by the code's filename, qualname and the ``with``
line, and a hash of the block's source text and outputs: it is the same in
every process (a cached binary loaded in a fresh one finds its block, which
the bundle, built again to be hashed, registered), and since it is a
constant of the rewritten code, an edit inside the block changes the bundle
hash and so the cache key.

Importing this module imports nothing heavy; ``ast`` and ``inspect`` are
imported only for a function that has a ``with`` statement.
"""

import sys
import weakref

from . import _kiln

CALL = "__kiln_objmode__"  # the global the rewritten code calls (no user identifier is spelled so)
CALL_BUILTIN = "kiln.objmode_call"

_BLOCKS = {}     # key -> (the block's function, the outputs' names)
# id(code) -> (a weak reference to code, the rewritten code): one parse per
# function with a with statement; an entry goes with its code object (code
# made at run time, as exec'd generated functions are, does not pile up).
_REWRITTEN = {}


class _ObjmodeContext:
    """``kiln.objmode``: Numba's ``objmode``. In the interpreter (a jitted
    function's ``py_func``) the block simply runs: the context does nothing."""

    def __call__(self, *args, **kwargs):
        return self

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return "kiln.objmode"


objmode = _ObjmodeContext()


def _run(key, args):
    """The hook's runner: (the outputs' names, their values)."""
    block = _BLOCKS.get(key)
    if block is None:  # the bundle registers its blocks before anything is compiled or loaded
        raise RuntimeError(f"with objmode(): no block {key!r} in this process")
    fn, names = block
    return names, fn(*args)


def _error_path(exc):
    """",module:qualname,...,": the paths of the exception's class and its
    bases (bundle.py's exception_path), as compiled code's except clauses
    search a KILN_CLASS_ERROR's class_name."""
    from .bundle import exception_path
    return "," + ",".join(exception_path(c) for c in type(exc).__mro__ if issubclass(c, BaseException)) + ","


_run.__kiln_error_path__ = _error_path
_kiln._set_objmode_runner(_run)


def _is_objmode(value):
    if value is objmode:
        return True
    numba = sys.modules.get("numba")
    if numba is not None and value is getattr(numba, "objmode", None):
        return True
    ctx = sys.modules.get("numba.core.withcontexts")
    return ctx is not None and value is getattr(ctx, "objmode_context", None)


def _has_with(code):
    """Whether co_code, or that of a function nested in it, has BEFORE_WITH
    (a 2-byte unit scan, as bundle.py's _uses_matmul)."""
    import opcode
    import types
    before_with = opcode.opmap.get("BEFORE_WITH")
    raw = code.co_code
    if before_with is not None and any(raw[i] == before_with for i in range(0, len(raw), 2)):
        return True
    return any(isinstance(c, types.CodeType) and _has_with(c) for c in code.co_consts)


def rewritten(func):
    """The code object of `func` with its objmode blocks replaced by calls,
    or None when it has none (its blocks are registered for _run). Raises
    UnsupportedError (located) for a block Kiln cannot run."""
    code = func.__code__
    if not _has_with(code):
        return None
    cached = _REWRITTEN.get(id(code))
    if cached is not None and cached[0]() is code:
        return cached[1]
    out = _rewrite(func)
    key = id(code)
    _REWRITTEN[key] = (weakref.ref(code, lambda _ref, key=key: _forget(key, _ref)), out)
    return out


def _forget(key, ref):
    """The code object of _REWRITTEN[key] is gone (unless a new one took its id)."""
    entry = _REWRITTEN.get(key)
    if entry is not None and entry[0] is ref:
        del _REWRITTEN[key]


def _refuse(message, code, line):
    from .errors import UnsupportedError
    raise UnsupportedError(message, (code.co_filename, line, code.co_qualname))


def _resolve(node, func):
    """The value a context expression's callee names (`objmode`, `numba.objmode`), or None."""
    import ast
    if isinstance(node, ast.Name):
        closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
        if node.id in closure:
            try:
                return closure[node.id].cell_contents
            except ValueError:
                return None
        if node.id in func.__globals__:
            return func.__globals__[node.id]
        import builtins
        return getattr(builtins, node.id, None)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, func)
        return None if base is None else getattr(base, node.attr, None)
    return None


def _objmode_call(with_node, func):
    """The objmode(...) call of a with statement, or None for another with."""
    import ast
    for item in with_node.items:
        e = item.context_expr
        if isinstance(e, ast.Call) and _is_objmode(_resolve(e.func, func)):
            if len(with_node.items) != 1 or item.optional_vars is not None:
                _refuse("a with objmode() block must be alone in its with statement, with no 'as' target",
                        func.__code__, with_node.lineno)
            return e
        if _is_objmode(_resolve(e, func)):  # `with objmode:` with no call
            if len(with_node.items) != 1 or item.optional_vars is not None:
                _refuse("a with objmode() block must be alone in its with statement, with no 'as' target",
                        func.__code__, with_node.lineno)
            return ast.Call(func=e, args=[], keywords=[])
    return None


def _output_type(kw, func, local_names):
    """The canonical spelling of an output's declared type (a constant)."""
    import ast
    code = func.__code__
    where = kw.value.lineno
    names = {n.id for n in ast.walk(kw.value) if isinstance(n, ast.Name)}
    allowed = (ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Tuple, ast.Constant, ast.Call, ast.Load,
               ast.keyword)
    if names & local_names or not all(isinstance(n, allowed) for n in ast.walk(kw.value)):
        _refuse(f"Error handling objmode argument '{kw.arg}'. The value must be a compile-time constant either as "
                "a non-local variable or a getattr expression that refers to a Numba type.", code, where)
    if isinstance(kw.value, ast.Constant):
        value = kw.value.value
    else:
        closure = {}
        for name, cell in zip(code.co_freevars, func.__closure__ or ()):
            try:
                closure[name] = cell.cell_contents
            except ValueError:
                pass
        try:
            value = eval(compile(ast.Expression(kw.value), code.co_filename, "eval"), func.__globals__, closure)
        except Exception as e:  # the user's expression: its own error, located
            _refuse(f"with objmode(): the type of output '{kw.arg}' could not be evaluated: "
                    f"{type(e).__name__}: {e}", code, where)
    from . import types as kiln_types
    if isinstance(value, str):
        spelling = value
    elif isinstance(value, kiln_types.Type):
        spelling = value.name
    elif type(value).__module__.startswith("numba.core.types") and hasattr(value, "name"):
        spelling = str(value)
    else:
        _refuse(f"with objmode(): the type of output '{kw.arg}' must be a type or a type string such as "
                f"\"float64[:]\", not {type(value).__name__}", code, where)
    try:
        return _kiln.canonical_type(spelling)
    except ValueError as e:
        _refuse(f"with objmode(): the type of output '{kw.arg}' ({spelling!r}) is not a type: {e}", code, where)


class _BodyCheck:
    """Refuses what cannot leave a block that runs as a function of its own:
    return, yield, await, and break/continue of a loop outside the block."""

    def __init__(self, code):
        self.code = code

    def check(self, stmts, loops=0):
        for node in stmts:
            self.visit(node, loops)

    def visit(self, node, loops):
        import ast
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            # only their decorators, defaults and bases run here
            for child in getattr(node, "decorator_list", []):
                self.visit(child, loops)
            return
        words = {ast.Return: "return", ast.Yield: "yield", ast.YieldFrom: "yield from", ast.Await: "await",
                 ast.Nonlocal: "nonlocal"}
        for cls, word in words.items():
            if isinstance(node, cls):
                _refuse(f"'{word}' inside a with objmode() block is not supported (the block runs in the "
                        "interpreter as a function of its own)", self.code, node.lineno)
        if isinstance(node, (ast.Break, ast.Continue)) and loops == 0:
            word = "break" if isinstance(node, ast.Break) else "continue"
            _refuse(f"'{word}' out of a with objmode() block is not supported (the block runs in the "
                    "interpreter as a function of its own)", self.code, node.lineno)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            for child in ast.iter_child_nodes(node):
                inner = child in node.body
                self.visit(child, loops + 1 if inner else loops)
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child, loops)


def _bound_by(n):
    """The names node `n` itself binds (its children aside)."""
    import ast
    if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
        return (n.id,)
    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (n.name,)
    if isinstance(n, (ast.Import, ast.ImportFrom)):
        return tuple((a.asname or a.name).split(".")[0] for a in n.names)
    if isinstance(n, ast.ExceptHandler) and n.name:
        return (n.name,)
    return ()


def _stored(nodes):
    """The names the nodes bind (not inside nested functions or classes, whose names are their own)."""
    import ast
    out = set()

    def walk(n):
        out.update(_bound_by(n))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        for c in ast.iter_child_nodes(n):
            walk(c)

    for n in nodes:
        walk(n)
    return out


def _loaded(nodes):
    """The names the nodes read, in first-read order, inner functions' free reads included."""
    import ast
    seen = {}
    for n in nodes:
        for sub in ast.walk(n):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                seen.setdefault(sub.id, sub)
            elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
                seen.setdefault(sub.target.id, sub.target)
    return seen


def _rewrite(func):
    import ast
    import inspect
    import textwrap

    code = func.__code__
    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError):
        lines = None
    if lines is None:
        if "objmode" not in code.co_names:
            return None  # a plain with statement: the compiler refuses it by name
        _refuse("a with objmode() block needs the function's source, which inspect cannot find "
                f"(defined in {code.co_filename!r})", code, code.co_firstlineno)
    source = textwrap.dedent("".join(lines))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    ast.increment_lineno(tree, start - 1)
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)) or fdef.name != code.co_name:
        return None  # a lambda or a function made some other way: left to the compiler's refusal

    # The source must be the code's: a file edited after the import would
    # otherwise compile blocks (and code) the running function does not have.
    import copy
    same = _compile_def(copy.deepcopy(fdef), code)
    if same is None or _shape(same) != _shape(code) or same.co_varnames != code.co_varnames:
        _refuse(f"the source of '{code.co_name}' in {code.co_filename} is not the source of its code (was the file "
                "edited after it was imported?): its with objmode() blocks cannot be run", code, code.co_firstlineno)

    replacements = {}
    _scope_blocks(fdef, code, func, lines, start, replacements)
    if not replacements:
        return None

    class Replace(ast.NodeTransformer):
        def visit_With(self, node):
            if id(node) in replacements:
                return replacements[id(node)]
            self.generic_visit(node)
            return node

        def visit_FunctionDef(self, node):
            self.generic_visit(node)  # nested functions' blocks too (_scope_blocks)
            return node

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node):
            return node

        def visit_ClassDef(self, node):
            return node

    Replace().visit(fdef)
    new = _compile_def(fdef, code)
    if new is None:
        return None
    return _requalify(new, new.co_qualname, code.co_qualname)


def _scope_blocks(fdef, code, func, lines, start, replacements):
    """Registers the objmode blocks of the function definition `fdef` (whose
    code object is `code`) and of the functions nested in it, and fills
    `replacements` (id of a with node -> the statement that replaces it).
    `func` is the jitted function (its globals, its closure: the blocks'
    types are evaluated there); `lines`, `start` its source lines."""
    import ast
    import hashlib
    import types

    # The with statements of this function itself; those of the functions
    # nested in it (closures compiled code makes) in their own scope.
    withs = []
    nested = []

    def find(n):
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef)):
                nested.append(c)
                continue
            if isinstance(c, (ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(c, ast.With):
                call = _objmode_call(c, func)
                if call is not None:
                    withs.append((c, call))
            find(c)

    find(fdef)
    for inner in nested:
        first_line = min([inner.lineno] + [d.lineno for d in inner.decorator_list])
        inner_code = next((c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == inner.name
                           and c.co_firstlineno == first_line), None)
        if inner_code is not None:
            _scope_blocks(inner, inner_code, func, lines, start, replacements)
    if not withs:
        return

    params = {a.arg for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
    params |= {a.arg for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None}
    local_names = set(code.co_varnames) | set(code.co_cellvars) | set(code.co_freevars)
    block_ids = {id(w) for w, _ in withs}
    # Every node of the function outside the blocks (a nested function as one node: its names are its own).
    stack = list(fdef.body) + list(fdef.args.defaults) + [d for d in fdef.args.kw_defaults if d is not None]
    outside_nodes = []
    while stack:
        n = stack.pop()
        if id(n) in block_ids:
            continue
        outside_nodes.append(n)
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
    # Names bound outside every block (a block's outputs are bound by its call).
    bound_outside = params | set(code.co_freevars) | _stored_shallow(outside_nodes)
    read_outside = {}
    for n in outside_nodes:
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            if n.id not in read_outside or n.lineno < read_outside[n.id].lineno:
                read_outside[n.id] = n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for sub in ast.walk(n):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    read_outside.setdefault(sub.id, sub)

    for w, call in withs:
        if call.args or any(kw.arg is None for kw in call.keywords):
            _refuse("with objmode() takes its outputs as keyword arguments only (name=\"type\")", code, w.lineno)
        _BodyCheck(code).check(w.body)
        outputs = [(kw.arg, _output_type(kw, func, local_names)) for kw in call.keywords]
        names = [o for o, _ in outputs]
        stored = _stored(w.body)
        for name in sorted(stored - set(names) - bound_outside):
            if name in read_outside:
                _refuse(f"variable '{name}' is assigned in a with objmode() block and read after it: declare it "
                        f"as an output of the block (with objmode({name}=\"<type>\")) to use it in compiled code",
                        code, read_outside[name].lineno)
        # Another block's outputs are bound by its call, outside this block.
        elsewhere = bound_outside | {kw.arg for other, c in withs if other is not w for kw in c.keywords}
        inputs = [n for n in _loaded(w.body) if n in elsewhere and n in local_names and _read_first(n, w.body)]
        first, last = w.body[0].lineno, max(getattr(s, "end_lineno", s.lineno) or s.lineno for s in w.body)
        text = "".join(lines[first - start:last - start + 1])
        spec = "\n".join(f"{o}={t}" for o, t in outputs)
        digest = hashlib.sha256("\0".join([text, spec, ",".join(inputs)]).encode()).hexdigest()[:16]
        key = f"{code.co_filename}:{code.co_qualname}:{w.lineno}:{digest}"

        # The block's own function: (inputs) -> (outputs,), its lines the user's.
        ret = ast.Return(value=ast.Tuple(elts=[ast.Name(id=o, ctx=ast.Load()) for o in names], ctx=ast.Load()))
        ast.copy_location(ret, w.body[-1])
        block_def = ast.FunctionDef(name=code.co_name, args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg=n) for n in inputs], vararg=None, kwonlyargs=[], kw_defaults=[],
            kwarg=None, defaults=[]), body=list(w.body) + [ret], decorator_list=[], returns=None, type_comment=None)
        ast.copy_location(block_def, w)
        module = ast.Module(body=[block_def], type_ignores=[])
        ast.fix_missing_locations(module)
        block_code = next(c for c in compile(module, code.co_filename, "exec", dont_inherit=True).co_consts
                          if isinstance(c, types.CodeType))
        block_code = block_code.replace(co_qualname=code.co_qualname)
        _BLOCKS[key] = (types.FunctionType(block_code, func.__globals__, code.co_name), tuple(names))

        # What replaces the with statement in the compiled function.
        call_node = ast.Call(func=ast.Name(id=CALL, ctx=ast.Load()),
                             args=[ast.Constant(key), ast.Constant(spec)] + [ast.Name(id=n, ctx=ast.Load())
                                                                              for n in inputs], keywords=[])
        if names:
            target = ast.Tuple(elts=[ast.Name(id=o, ctx=ast.Store()) for o in names], ctx=ast.Store())
            stmt = ast.Assign(targets=[target], value=call_node)
        else:
            stmt = ast.Expr(value=call_node)
        for n in ast.walk(stmt):
            n.lineno, n.end_lineno, n.col_offset, n.end_col_offset = w.lineno, w.lineno, w.col_offset, w.col_offset
        replacements[id(w)] = stmt



def _shape(code):
    """What of a code object a recompile of its source must give again: its
    instructions with their names and constants (not jump offsets nor
    lines, which a recompile need not place alike). A method call on a module bound by an import in the same file
    compiles to LOAD_ATTR there and LOAD_METHOD on its own (3.11's
    is_import_originated), so the two, and PUSH_NULL, count as one."""
    import dis
    import types
    out = []
    for ins in dis.get_instructions(code):
        if ins.opname in ("PUSH_NULL", "CACHE"):
            continue
        name = "LOAD_ATTR" if ins.opname == "LOAD_METHOD" else ins.opname
        if ins.opcode in dis.hasjrel or ins.opcode in dis.hasjabs:
            out.append((name,))
        elif isinstance(ins.argval, types.CodeType):
            out.append((name, _shape(ins.argval)))
        else:
            out.append((name, ins.argval if isinstance(ins.argval, (str, int, float, complex, bytes, tuple,
                                                                      frozenset, type(None))) else repr(ins.argval)))
    return out


def _compile_def(fdef, code):
    """The code object of the function definition `fdef`, compiled as `code`
    was (its filename, its __future__ flags; a closure inside a wrapper that
    binds its free variables, so they stay free), or None."""
    import __future__
    import ast
    if code.co_freevars:
        outer = ast.FunctionDef(
            name="__kiln_outer__", args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                                      kw_defaults=[], kwarg=None, defaults=[]),
            body=[ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store()) for n in code.co_freevars],
                             value=ast.Constant(None)), fdef, ast.Return(value=ast.Name(id=fdef.name, ctx=ast.Load()))],
            decorator_list=[], returns=None, type_comment=None)
        ast.copy_location(outer, fdef)
        for n in ast.walk(outer):
            if not hasattr(n, "lineno") and isinstance(n, (ast.stmt, ast.expr)):
                ast.copy_location(n, fdef)
        module = ast.Module(body=[outer], type_ignores=[])
    else:
        module = ast.Module(body=[fdef], type_ignores=[])
    ast.fix_missing_locations(module)
    flags = 0
    for feature in __future__.all_feature_names:
        flag = getattr(__future__, feature).compiler_flag
        if code.co_flags & flag:
            flags |= flag
    top = compile(module, code.co_filename, "exec", flags=flags, dont_inherit=True)
    new = _find_code(top, code.co_name, bool(code.co_freevars))
    if new is None or set(new.co_freevars) != set(code.co_freevars):
        return None
    return new


def _stored_shallow(nodes):
    """Names bound by the nodes themselves (each node is visited on its own: the caller walked the tree)."""
    out = set()
    for n in nodes:
        out.update(_bound_by(n))
    return out


def _read_first(name, stmts):
    """Whether the block reads `name` before it binds it (statement by
    statement: a statement that reads it, as `acc = acc + x` does, reads it
    first), i.e. whether the value from outside the block is one it uses."""
    for stmt in stmts:
        if name in _loaded([stmt]):
            return True
        if name in _stored([stmt]):
            return False
    return False


def _find_code(top, name, nested):
    import types
    for c in top.co_consts:
        if isinstance(c, types.CodeType):
            if nested:
                return _find_code(c, name, False)
            if c.co_name == name:
                return c
    return None


def _requalify(code, old, new):
    """The code with its qualname (and its nested codes') under `new` where the compile gave `old`."""
    import types
    consts = tuple(_requalify(c, old, new) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    q = code.co_qualname
    if q == old or q.startswith(old + "."):
        q = new + q[len(old):]
    return code.replace(co_consts=consts, co_qualname=q)
