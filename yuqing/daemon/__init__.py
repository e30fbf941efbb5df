"""The daemon's parts (``yuqing run``): the jobs it runs, its single-instance lock and ``yuqing status``.

``scheduler.py`` composes them with APScheduler; ``daemon/commands.py`` holds ``run``, ``status`` and ``demo``.
"""
