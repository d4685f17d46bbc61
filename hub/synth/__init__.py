"""A synthetic Jiangsu for training, demos, tests and benchmarks (``eduhub synth``).

Every source system of docs/synth.md written as its real export would be (file drops, the
exchange database, HTTP services), deterministically per seed, with planted faults and quirks
listed in ``manifest.json``. Start at ``build.generate`` and ``periods.advance``.
"""
