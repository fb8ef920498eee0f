"""Memory a kilnd keeps per recovered LLVM fatal error (docs/errors.md).

Starts a private kilnd (build/server/kilnd or $KILN_KILND), sends it 160
compiles that end in an LLVM fatal error (NVPTX emit=asm of math.sin, which
NVPTX cannot select), each a distinct cache key, checks that every reply is a
KIND_INTERNAL diagnostic and that the server lives, and prints its resident
memory after the first 16 and after all 160.

    source scripts/env.sh && python3 bench/fatal_error_recovery.py
"""

import hashlib
import math
import os
import subprocess
import sys
import tempfile
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))
from kiln import jit  # noqa: E402

ARG_TYPES = ["int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8", "float32", "float64"]


def sine(x, k):
    return math.sin(x) + k


def messages(tmp):
    desc = os.path.join(tmp, "kiln.desc")
    subprocess.run(["protoc", "--proto_path", os.path.join(ROOT, "proto"), "--descriptor_set_out", desc,
                    "kiln/v1/kiln.proto"], check=True)
    pool = descriptor_pool.DescriptorPool()
    for f in descriptor_pb2.FileDescriptorSet.FromString(open(desc, "rb").read()).file:
        pool.Add(f)
    return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"kiln.v1.{name}"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1])


def main():
    kilnd = os.environ.get("KILN_KILND", os.path.join(ROOT, "build", "server", "kilnd"))
    with tempfile.TemporaryDirectory() as tmp:
        M = messages(tmp)
        sock = os.path.join(tmp, "k.sock")
        proc = subprocess.Popen([kilnd, "--socket", sock, "--cache-dir", os.path.join(tmp, "cache")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not os.path.exists(sock):
                time.sleep(0.05)
            bundle = M("Bundle").FromString(jit(sine).bundle().serialize())
            digest = hashlib.sha256(bundle.SerializeToString(deterministic=True)).digest()
            channel = grpc.insecure_channel("unix:" + sock)
            call = channel.unary_unary("/kiln.v1.Kiln/Compile")
            n, first = 0, None
            for k_type in ARG_TYPES:
                for i in range(16):
                    r = M("CompileRequest")()
                    r.bundle.CopyFrom(bundle)
                    r.bundle_hash = digest
                    r.arg_types.extend(["float64", k_type])
                    r.emit = 5  # EMIT_ASM
                    r.target.triple, r.target.cpu = "nvptx64-nvidia-cuda", "sm_70"
                    r.options.opt_level = i % 4
                    r.options.boundscheck = bool(i & 4)
                    r.options.error_model = "numpy" if i & 8 else "python"
                    out = M("CompileResponse").FromString(call(r.SerializeToString(), timeout=60))
                    assert out.status == 3 and out.diagnostic.kind == 4, out
                    assert "LLVM ERROR: Cannot select" in out.diagnostic.message, out.diagnostic.message
                    n += 1
                if first is None:
                    first = rss_kib(proc.pid)
            assert proc.poll() is None
            last = rss_kib(proc.pid)
            print(f"{n} recovered fatal errors; RSS after 16: {first / 1024:.1f} MiB, after {n}: "
                  f"{last / 1024:.1f} MiB ({(last - first) / (n - 16):.1f} KiB per recovery)")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
