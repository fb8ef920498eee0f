"""Process-wide settings, read at each compile (as ``numba.config``).

``TARGET_TIER``: the CPU that compiled code is built for (docs/cache.md,
"Target tiers"): ``"host"`` (this CPU's exact features), ``"x86-64"``,
``"x86-64-v2"``, ``"x86-64-v3"``, ``"x86-64-v4"`` (the x86-64
micro-architecture levels: every CPU of a level shares one cache entry), or
``"best"`` (the highest level this CPU runs). ``None``: the environment
variable ``KILN_TARGET_TIER``, else the default, ``"best"``. A function's
``jit(target_tier=...)`` option wins over this.
"""

TARGET_TIER = None
