"""cuda.select_device(n) on the local path (docs/cuda.md "Devices"): on a
local GPU it makes device n's primary context current on the calling thread
(numba.cuda.select_device), per thread; in the emulation it checks n (one
device, 0); a device that is not there is a ValueError naming those that
are. No GPU here: the driver's calls are a fake that records them."""

import threading

import numpy as np
import pytest

from kiln import cuda
from kiln.cuda import _api, _driver


class FakeDriver:
    """Two GPUs: records cuCtxSetCurrent per thread."""

    def __init__(self, monkeypatch, count=2):
        self.count = count
        self.current = {}  # thread id -> context
        self.calls = []
        monkeypatch.setattr(_driver, "_device_count", lambda: self.count)
        monkeypatch.setattr(_driver, "call", self.call)
        monkeypatch.setattr(_driver, "load", lambda path=None: None)
        monkeypatch.setattr(_driver.Device, "_devices", {})
        monkeypatch.setattr(_driver, "_thread", threading.local())
        monkeypatch.setitem(_api._state, "emulated", False)
        monkeypatch.setattr(_driver, "_native_state", {"one_device": True})
        monkeypatch.setattr(_driver, "_native_kernels", _driver.weakref.WeakSet())
        monkeypatch.delenv("KILN_CUDA_REMOTE", raising=False)
        monkeypatch.delenv("KILN_SERVER", raising=False)

    def call(self, name, *args, kernel=None):
        self.calls.append(name)
        if name == "cuDeviceGet":
            args[0]._obj.value = args[1]
        elif name == "cuDeviceGetName":
            args[0].value = b"Fake GPU"
        elif name == "cuDeviceGetAttribute":
            args[0]._obj.value = {75: 9, 76: 0}.get(args[1], 1024)
        elif name == "cuDevicePrimaryCtxRetain":
            args[0]._obj.value = 0x1000 + args[1]
        elif name == "cuCtxSetCurrent":
            self.current[threading.get_ident()] = args[0].value


def test_a_local_gpu_is_selected_per_thread(monkeypatch):
    fake = FakeDriver(monkeypatch)
    dev = cuda.select_device(1)
    assert dev.id == 1 and dev.compute_capability == (9, 0)
    assert fake.current[threading.get_ident()] == 0x1001
    assert cuda.get_current_device().id == 1
    seen = {}

    def other():
        seen["before"] = cuda.get_current_device().id  # a new thread starts on 0
        cuda.select_device(np.int64(0))
        seen["after"] = cuda.get_current_device().id
        seen["context"] = fake.current[threading.get_ident()]

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == {"before": 0, "after": 0, "context": 0x1000}
    assert cuda.get_current_device().id == 1  # this thread kept its device
    assert fake.current[threading.get_ident()] == 0x1001
    cuda.select_device(0)
    cuda.select_device(1)  # back and forth: the context is made current each time
    assert fake.current[threading.get_ident()] == 0x1001
    sets = fake.calls.count("cuCtxSetCurrent")
    cuda.select_device(1)  # already current: no driver call
    assert fake.calls.count("cuCtxSetCurrent") == sets


class FakeKernel:
    def __init__(self):
        self.forgotten = 0

    def _forget_launches(self):
        self.forgotten += 1


def test_selecting_another_gpu_drops_the_native_launches_of_device_0(monkeypatch):
    # A native launch runs device 0's module: once a thread may be on
    # another device, every launch goes through the per-device path.
    FakeDriver(monkeypatch)
    k = FakeKernel()
    _driver._native_kernels.add(k)
    cuda.select_device(0)
    assert k.forgotten == 0 and _driver._native_state["one_device"]
    cuda.select_device(1)
    assert k.forgotten == 1 and not _driver._native_state["one_device"]
    assert len(_driver._native_kernels) == 0
    cuda.select_device(0)
    cuda.select_device(1)
    assert k.forgotten == 1 and not _driver._native_state["one_device"]  # off for good


def test_a_gpu_that_is_not_there_is_a_clear_error(monkeypatch):
    FakeDriver(monkeypatch)
    with pytest.raises(ValueError, match=r"^there is no CUDA device 2: the driver sees 2 \(0 to 1\)$"):
        cuda.select_device(2)
    with pytest.raises(ValueError, match="there is no CUDA device -1"):
        cuda.select_device(-1)
    with pytest.raises(TypeError, match="a device number is an int, not str"):
        cuda.select_device("1")
    with pytest.raises(TypeError, match="a device number is an int, not True"):
        cuda.select_device(True)
    assert cuda.get_current_device().id == 0  # nothing changed


def test_the_emulation_has_device_0_only(monkeypatch):
    monkeypatch.setenv("KILN_CUDA_SIM", "1")
    monkeypatch.setitem(_api._state, "emulated", True)
    monkeypatch.delenv("KILN_CUDA_REMOTE", raising=False)
    monkeypatch.delenv("KILN_SERVER", raising=False)
    assert cuda.select_device(0).id == 0
    assert cuda.get_current_device().id == 0
    with pytest.raises(ValueError, match=r"^there is no device 1: the CPU emulation has one \(0\)$"):
        cuda.select_device(1)
    with pytest.raises(TypeError, match="a device number is an int, not float"):
        cuda.select_device(0.0)
