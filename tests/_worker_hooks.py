"""Test-only hooks that make ``--jobs N`` workers die on chosen files.

Installed through the process pool's ``initializer`` (so they work with any start
method); production code has no hook.  ``patch_pool(monkeypatch_or_None, names, how)``
replaces ``concurrent.futures.ProcessPoolExecutor`` for the duration of a test.
"""

import concurrent.futures
import faulthandler
import os
import signal

_REAL_POOL = concurrent.futures.ProcessPoolExecutor


def install(names, how, marker_dir=None):
    """In a worker: ``lint_file`` of a file named in ``names`` kills the worker.

    ``how``: ``sigkill`` (as the OOM killer does), ``segv`` (a native crash), ``exit``
    (``os._exit(1)``), or ``once`` (SIGKILL the first time per file only, recorded in
    ``marker_dir``: a death that a retry does not repeat).
    """
    import estimator_lint.runner as runner

    real = runner.lint_file

    def lint_file(path, *args, **kwargs):
        name = os.path.basename(path)
        if name in names:
            if how == "once":
                marker = os.path.join(marker_dir, name + ".died")
                if not os.path.exists(marker):
                    open(marker, "w").close()
                    os.kill(os.getpid(), signal.SIGKILL)
            elif how == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif how == "segv":
                # A deliberate crash: without its "Fatal Python error: Segmentation fault"
                # report (pytest enables faulthandler, the forked worker inherits it), which
                # a green run would otherwise print as if something broke.
                faulthandler.disable()
                os.kill(os.getpid(), signal.SIGSEGV)
            else:
                os._exit(1)
        return real(path, *args, **kwargs)

    runner.lint_file = lint_file


def _install_then(names, how, marker_dir, initializer, initargs):
    install(names, how, marker_dir)
    if initializer is not None:
        initializer(*initargs)  # the runner's own worker set-up


def hooked_pool(names, how, marker_dir=None):
    class HookedPool(_REAL_POOL):
        def __init__(self, max_workers=None, initializer=None, initargs=(), **kwargs):
            super().__init__(
                max_workers=max_workers,
                initializer=_install_then,
                initargs=(tuple(names), how, marker_dir, initializer, initargs),
            )

    return HookedPool


def patch_pool(monkeypatch, names, how, marker_dir=None):
    pool = hooked_pool(names, how, marker_dir)
    if monkeypatch is None:
        concurrent.futures.ProcessPoolExecutor = pool
    else:
        monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", pool)
