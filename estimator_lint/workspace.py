"""A project as an editor sees it: texts checked as if they were files of the project.

The language server and ``estimator-lint -`` (stdin) check texts that are not, or not
yet, the files on disk.  A :class:`Workspace` is the project around them:

* its configuration: the nearest ``pyproject.toml`` with a ``[tool.estimator-lint]``
  table, searched upward from where the workspace starts, as a command-line run over that
  path reads it (select/ignore, excludes, per-file ignores, extra Estimator bases);
* its files: the ``*.py``/``*.pyi`` files below its root, with the configured excludes;
* its project index (:func:`estimator_lint.project.build_project_index`), built with the
  editor's unsaved texts laid over the files on disk.

:meth:`Workspace.check` and :meth:`Workspace.fix` then lint or fix one text for one path
with the settings that path gets (per-file ignores included) and the index.  Nothing here
analyses code: this is the engine, the fixer and the project index, fed with texts.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from estimator_lint import config, engine, source
from estimator_lint.diagnostics import FileError, FileResult
from estimator_lint.fix_apply import FixResult, fix_source
from estimator_lint.index import ProjectIndex

__all__ = ["Workspace"]


@dataclass
class Workspace:
    """The project around some texts: its root, its resolved options."""

    #: The directory whose files make the project (absolute).
    root: str
    options: config.Options

    @classmethod
    def load(
        cls,
        start: str,
        *,
        root: Optional[str] = None,
        config_path: Optional[str] = None,
        isolated: bool = False,
        overrides: Optional[config.Overrides] = None,
    ) -> "Workspace":
        """The workspace whose configuration is found from ``start`` (a file or directory)
        upward, as ``estimator-lint start`` finds it.  ``root`` (default: the configuration
        file's directory, else the current directory) is where its files are looked for.

        Raises :class:`estimator_lint.config.ConfigError` for a bad configuration file.
        """
        start = os.path.abspath(start)
        file_config = config.load_for_run([start], config_path, isolated)
        options = config.resolve(overrides or config.Overrides(), file_config)
        return cls(os.path.abspath(root or options.root), options)

    # -- which paths ---------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        """Whether ``path`` lies below the workspace's root."""
        relative = os.path.relpath(os.path.abspath(path), self.root)
        return relative != os.pardir and not relative.startswith(os.pardir + os.sep)

    def excluded(self, path: str) -> bool:
        """Whether the configured excludes skip ``path`` (as ``--force-exclude`` decides)."""
        from estimator_lint.discovery import excluded_explicitly

        return excluded_explicitly(path, self.options.exclude, self.options.root)

    def files(self) -> list:
        """The project's files, as ``estimator-lint ROOT`` would find them (absolute paths)."""
        from estimator_lint.discovery import discover

        files, _ = discover([self.root], self.options.exclude, root=self.options.root)
        return files

    # -- the project index ---------------------------------------------------------------

    def build_index(
        self,
        texts: Optional[Mapping[str, str]] = None,
        files: Optional[Sequence[str]] = None,
        *,
        cache_dir: Optional[str] = None,
    ) -> ProjectIndex:
        """The project index of :meth:`files` (or ``files``), where each path of ``texts``
        (absolute) reads as its text there instead of the file on disk; a path of ``texts``
        that is not among the files (a new, unsaved file) is indexed too.

        ``cache_dir``: a saved index there is used while it is current and no text differs
        from its file; nothing is ever written there.
        """
        from estimator_lint.project import build_project_index

        texts = dict(texts or {})
        listed = list(files) if files is not None else self.files()
        known = set(listed)
        listed.extend(p for p in texts if p not in known and self.contains(p) and not self.excluded(p))
        overlay = {path: text.encode("utf-8") for path, text in texts.items() if not _same_as_disk(path, text)}
        if not overlay:
            return build_project_index(listed, self.options.settings, cache_dir, save_index=False)

        def read(path: str) -> Optional[bytes]:
            if path in overlay:
                return overlay[path]
            try:
                return source.read_source_bytes(path)
            except (OSError, ValueError):
                return None

        return build_project_index(listed, self.options.settings, save_index=False, read=read)

    # -- one text ------------------------------------------------------------------------

    def check(self, text: str, path: str, index: Optional[ProjectIndex] = None, *, fixes: bool = True) -> FileResult:
        """Lint ``text`` as the file ``path``: never raises; bad input is the result's
        ``error``.  ``fixes=False``: fixes say what they do and whether they are safe, but
        their edits are not rendered (faster: no libcst parse)."""
        result = FileResult(path)
        view, module, package = engine.in_project(index, path) if index is not None else (None, None, None)
        if module is None and "from ." in text:
            package = source.package_of(path)
        settings = self.options.settings_for(path)
        if not fixes:
            settings = dataclasses.replace(settings, fix_edits=False)
        try:
            diagnostics = engine.lint_source(text, path, settings, package=package, index=view, module=module)
            result.diagnostics = self.options.filter(path, diagnostics)
        except engine.SourceError as exc:
            result.error = FileError(str(exc), exc.line, exc.column)
        except Exception as exc:  # an internal fault: one line, as a run reports it
            result.error = _internal_error(exc)
        return result

    def fix(self, text: str, path: str, index: Optional[ProjectIndex] = None, *, unsafe: bool = False) -> FixResult:
        """``text`` with the fixes ``--fix`` would apply to the file ``path``; never raises."""
        try:
            package = source.package_of(path) if "from ." in text else None
            result = fix_source(text, path, self.options.settings_for(path), unsafe, package=package, index=index)
        except engine.SourceError as exc:
            return FixResult(path, text, text, error=FileError(str(exc), exc.line, exc.column))
        except Exception as exc:  # an internal fault: the text stays as it is
            return FixResult(path, text, text, error=_internal_error(exc))
        result.remaining = self.options.filter(path, result.remaining)
        return result


def _internal_error(exc: Exception) -> FileError:
    detail = " ".join(str(exc).split())[:300]
    return FileError(
        f"internal error: {type(exc).__name__}: {detail} (please report this at the estimator-lint issue tracker)",
        kind="internal",
    )


def _same_as_disk(path: str, text: str) -> bool:
    """Whether the file at ``path`` holds ``text`` (decoded as the interpreter would)."""
    try:
        return source.decode_source(source.read_source_bytes(path)) == text
    except (OSError, ValueError, engine.SourceError):
        return False
