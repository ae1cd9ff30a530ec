"""The language server: pygls handlers over :class:`estimator_lint.workspace.Workspace`.

Nothing here analyses code.  Each open document is checked with
:meth:`Workspace.check`; fixes come from the findings' fix edits and
:meth:`Workspace.fix`; "disable for this line" from :func:`estimator_lint.noqa.add_code_edit`.

Timing (a keystroke never waits for the project):

* a change is checked after :data:`DEBOUNCE_SECONDS` on the ``check`` thread, deciding
  which findings have a fix but not rendering its edits (no libcst parse), and published
  (or answered to a pull);
* once a document with fixable findings has been still for :data:`SETTLE_SECONDS`, it is
  checked again with the fixes' edits rendered, in a worker process (libcst takes far
  longer than the check), for code actions;
* the project index of each workspace folder is built on the ``index`` thread when the
  server starts, and again when a file is saved, a watched file changes or an edit has
  been still for :data:`INDEX_SETTLE_SECONDS`, with the open documents' unsaved texts;
  until it is ready documents are checked on their own, then checked again.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from estimator_lint import __version__, config
from estimator_lint.diagnostics import Applicability, FileResult
from estimator_lint.screen import mentions_words
from estimator_lint.source import collector_paused
from estimator_lint.lsp import convert
from estimator_lint.workspace import Workspace

log = logging.getLogger(__name__)

#: Changes that arrive together (messages already queued: a paste, a client's burst) are
#: checked once; short, as it adds to the latency of every keystroke's diagnostics (a check
#: running when the next change arrives finishes, and the newest version is checked next).
DEBOUNCE_SECONDS = 0.005
#: Fixes' edits are rendered once the document has been still this long.
SETTLE_SECONDS = 0.3
#: Unsaved edits reach the project index once the document has been still this long.
INDEX_SETTLE_SECONDS = 2.0
#: Documents longer than this are not checked as you type (one diagnostic says so).
MAX_DOCUMENT_CHARS = 5_000_000

FIX_ALL_KIND = "source.fixAll.estimator-lint"
FIX_ALL_TITLE = "Fix all safe EST findings"
WATCHED = ("**/*.py", "**/*.pyi", "**/pyproject.toml")


@dataclass
class Checked:
    """One check of one version of a document."""

    version: Optional[int]
    text: str
    result: FileResult
    fixes: bool
    lines: convert.LineIndex
    items: List[types.Diagnostic]


@dataclass
class Document:
    uri: str
    path: str
    version: Optional[int]
    text: str
    project: "Project"
    checked: Optional[Checked] = None
    #: In-flight checks of the current version, by ``fixes``.
    pending: Dict[bool, asyncio.Future] = field(default_factory=dict)
    task: Optional[asyncio.Task] = None
    published: Optional[list] = None


@dataclass
class Project:
    """A workspace folder (or a loose file's directory) and its project index."""

    folder: Optional[str]
    workspace: Workspace
    index: object = None
    index_digest: Optional[str] = None
    building: bool = False
    rebuild: bool = False
    config_stamp: tuple = ()
    idle_task: Optional[asyncio.Task] = None


class EstimatorLintServer(LanguageServer):
    def __init__(self) -> None:
        # Full sync: pygls applies incremental changes with str.splitlines, which also
        # breaks lines at \x0c, \x1c-\x1e, \x85, \u2028 and \u2029 (LSP does not).
        super().__init__("estimator-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: Dict[str, Document] = {}
        self.projects: List[Project] = []
        self.loose: Dict[str, Project] = {}
        self.pull = False
        self.check_pool = ThreadPoolExecutor(1, thread_name_prefix="estimator-lint-check")
        self._worker: Optional[ProcessPoolExecutor] = None
        self.index_pool = ThreadPoolExecutor(1, thread_name_prefix="estimator-lint-index")
        self.reported_config_errors: set = set()

    # -- capabilities ------------------------------------------------------------------

    def capability(self, dotted: str):
        value = self.client_capabilities
        for part in dotted.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    # -- projects ----------------------------------------------------------------------

    def load_workspace(self, start: str, root: Optional[str] = None) -> Tuple[Workspace, tuple]:
        """The workspace from ``start``'s configuration; a bad configuration file is shown
        to the user once and the defaults are used."""
        stamp = _config_stamp(start)
        try:
            return Workspace.load(start, root=root or start), stamp
        except config.ConfigError as exc:
            message = f"estimator-lint: {exc} (checking with the default settings)"
            if message not in self.reported_config_errors:
                self.reported_config_errors.add(message)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
            options = config.resolve(config.Overrides(), None, cwd=root or start)
            return Workspace(os.path.abspath(root or start), options), stamp

    def project_for(self, path: str) -> Project:
        best = None
        for project in self.projects:
            if project.workspace.contains(path) and (best is None or len(project.folder) > len(best.folder)):
                best = project
        if best is not None:
            return best
        directory = os.path.dirname(path)
        if directory not in self.loose:
            workspace, stamp = self.load_workspace(directory, directory)
            self.loose[directory] = Project(None, workspace, config_stamp=stamp)
        return self.loose[directory]

    def request_index(self, project: Project) -> None:
        """Build ``project``'s index in the background (again after the current build)."""
        if project.folder is None:
            return
        if project.building:
            project.rebuild = True
            return
        project.building = True
        texts = {d.path: d.text for d in self.documents.values() if d.project is project}
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.index_pool, project.workspace.build_index, texts)
        future.add_done_callback(lambda f: self.index_built(project, f))

    def index_built(self, project: Project, future) -> None:
        project.building = False
        try:
            index = future.result()
        except Exception as exc:  # never fatal: documents are checked without the index
            self.log(types.MessageType.Warning, f"estimator-lint: project index failed: {type(exc).__name__}: {exc}")
            index = None
        if project.rebuild:
            project.rebuild = False
            self.request_index(project)
        digest = index.digest() + str(sorted(index.modules.items())) if index is not None else None
        project.index = index
        if digest != project.index_digest:
            project.index_digest = digest
            self.recheck(project)

    def recheck(self, project: Optional[Project] = None) -> None:
        """Check the open documents (of ``project``) again: the project changed."""
        for doc in self.documents.values():
            if project is None or doc.project is project:
                self.invalidate(doc)
                if not self.pull:
                    self.schedule(doc)
        if self.pull and self.capability("workspace.diagnostics.refresh_support"):
            self.workspace_diagnostic_refresh(None)

    def reload_config(self, force: bool = False) -> None:
        """Read the configuration of every project again if a ``pyproject.toml`` changed."""
        changed = False
        for project in self.projects:
            stamp = _config_stamp(project.folder)
            if force or stamp != project.config_stamp:
                project.workspace, project.config_stamp = self.load_workspace(project.folder)
                changed = True
                self.request_index(project)
        for directory, project in list(self.loose.items()):
            if force or _config_stamp(directory) != project.config_stamp:
                del self.loose[directory]
                changed = True
        if changed:
            for doc in self.documents.values():
                doc.project = self.project_for(doc.path)
            self.recheck()

    # -- checking ----------------------------------------------------------------------

    def invalidate(self, doc: Document) -> None:
        doc.checked = None
        for future in doc.pending.values():
            future.cancel()
        doc.pending.clear()

    def check_now(self, doc: Document, fixes: bool) -> "asyncio.Future[Checked]":
        """The check of the document's current version (``fixes``: with the fixes' edits),
        shared by everyone who asks while it runs."""
        future = doc.pending.get(fixes)
        if future is None or future.cancelled():
            project = doc.project
            args = (project.workspace, project.index, doc.path, doc.text)
            if fixes:
                future = asyncio.ensure_future(self._check_with_fixes(doc.version, *args))
            else:
                future = asyncio.get_running_loop().run_in_executor(self.check_pool, self._check, doc.version, *args)
            doc.pending[fixes] = future
        return future

    def _check(self, version, workspace: Workspace, index, path: str, text: str) -> Checked:
        """On the check thread: the engine's check without the fixes' edits, converted."""
        # Everything a check allocates lives until it ends: collections would walk the whole
        # tree again (about a fifth of a check of a 2,000-line file); its garbage is
        # collected after it, by the collections the next allocations start.
        with collector_paused():
            found = check_document(workspace, index, path, text, False)
        return self._converted(version, text, False, *found)

    async def _check_with_fixes(self, version, workspace: Workspace, index, path: str, text: str) -> Checked:
        """The check with the fixes' edits, in the worker process: rendering them parses the
        file with libcst, which takes far longer than the check, and must not hold this
        process's GIL while the next keystroke is checked."""
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.worker(), check_document, workspace, index, path, text, True)
        except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
            # The worker died (or cannot be started): a fresh one next time; no fixes now.
            self.log(types.MessageType.Warning, f"estimator-lint: rendering fixes failed for {path}: {type(exc).__name__}: {exc}")
            self._worker = None
            return await loop.run_in_executor(self.check_pool, self._check, version, workspace, index, path, text)
        return self._converted(version, text, True, *answer)

    def worker(self) -> ProcessPoolExecutor:
        """The process that renders fixes (spawned: forking a threaded server is unsafe)."""
        if self._worker is None:
            self._worker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._worker

    def _converted(self, version, text: str, fixes: bool, result: FileResult, note: Optional[str]) -> Checked:
        lines = convert.LineIndex(text, self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        items = [convert.diagnostic(d, lines) for d in result.diagnostics]
        if result.error is not None:
            items.insert(0, convert.file_error(result.error, lines))
        if note is not None:
            items.insert(
                0,
                types.Diagnostic(
                    range=lines.range(1, 0, 1, 0),
                    message=note,
                    severity=types.DiagnosticSeverity.Information,
                    source=convert.SOURCE,
                ),
            )
        return Checked(version, text, result, fixes, lines, items)

    async def checked(self, doc: Document, fixes: bool) -> Checked:
        """A check of the document as it is now (with the fixes' edits if ``fixes``)."""
        while True:
            if doc.checked is not None and doc.checked.version == doc.version and (doc.checked.fixes or not fixes):
                return doc.checked
            version = doc.version
            future = self.check_now(doc, fixes)
            # Waited for without being cancelled with us: others may share this check.
            await asyncio.wait({future})
            if future.cancelled():
                continue  # the document changed meanwhile: check the new version
            result = future.result()
            if doc.version == version:
                doc.pending.pop(fixes, None)
                if doc.checked is None or doc.checked.version != version or fixes:
                    doc.checked = result
                return result

    def schedule(self, doc: Document) -> None:
        """Publish diagnostics for the document once its changes pause (push clients)."""
        if doc.task is not None:
            doc.task.cancel()
        doc.task = asyncio.ensure_future(self._diagnose(doc))

    async def _diagnose(self, doc: Document) -> None:
        try:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            checked = await self.checked(doc, fixes=False)
            self.publish(doc, checked)
            if any(d.fix is not None for d in checked.result.diagnostics):
                await asyncio.sleep(SETTLE_SECONDS)
                self.publish(doc, await self.checked(doc, fixes=True), if_changed=True)
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # a bug of ours must not stop the server
            self.log(types.MessageType.Error, f"estimator-lint: checking {doc.path} failed: {type(exc).__name__}: {exc}")

    def publish(self, doc: Document, checked: Checked, *, if_changed: bool = False) -> None:
        if self.pull or self.documents.get(doc.uri) is not doc or checked.version != doc.version:
            return
        if if_changed and doc.published == checked.items:
            return
        doc.published = checked.items
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=checked.items, version=checked.version)
        )

    def log(self, kind: types.MessageType, message: str) -> None:
        log.warning(message)
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:
            pass

    # -- code actions --------------------------------------------------------------------

    def workspace_edit(self, doc: Document, version, edits: List[types.TextEdit]) -> types.WorkspaceEdit:
        if self.capability("workspace.workspace_edit.document_changes"):
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=version),
                        edits=edits,
                    )
                ]
            )
        return types.WorkspaceEdit(changes={doc.uri: edits})

    async def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            return []
        checked = await self.checked(doc, fixes=False)
        rendered = doc.checked is not None and doc.checked.version == checked.version and doc.checked.fixes
        if any(d.fix is not None for d in checked.result.diagnostics) and (rendered or not self.resolves_edits()):
            checked = await self.checked(doc, fixes=True)  # the fixes' edits
        # Otherwise quick fixes come without their edits, rendered when one is chosen
        # (codeAction/resolve): a request right after a change is answered at once.
        only = params.context.only
        actions: List[types.CodeAction] = []
        lines = checked.lines

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

        here = [
            (d, item)
            for d, item in zip(checked.result.diagnostics, checked.items[len(checked.items) - len(checked.result.diagnostics):])
            if convert.overlaps(item.range, params.range)
        ]
        if wanted(types.CodeActionKind.QuickFix):
            for d, item in here:
                if d.fix is None:
                    continue
                action = types.CodeAction(
                    title=convert.fix_title(d),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[item],
                    is_preferred=d.fix.applicability is Applicability.SAFE,
                )
                if checked.fixes:
                    action.edit = self.workspace_edit(doc, checked.version, convert.text_edits(d.fix.edits, lines))
                else:
                    action.data = {"uri": doc.uri, "version": checked.version, "finding": _finding_key(d)}
                actions.append(action)
            from estimator_lint.noqa import add_code_edit

            seen = set()
            for d, item in here:
                if (d.line, d.code) in seen:
                    continue
                seen.add((d.line, d.code))
                noqa = add_code_edit(checked.text, lines.lines, d.line, d.code)
                if noqa is None:
                    continue
                actions.append(
                    types.CodeAction(
                        title=f"Disable {d.code} for this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[item],
                        edit=self.workspace_edit(doc, checked.version, convert.text_edits([noqa], lines)),
                    )
                )
        safe = any(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in checked.result.diagnostics)
        if safe and wanted(FIX_ALL_KIND):
            action = types.CodeAction(
                title=FIX_ALL_TITLE,
                kind=FIX_ALL_KIND,
                data={"uri": doc.uri, "version": checked.version},
            )
            if not self.capability("text_document.code_action.resolve_support"):
                action = await self.resolve_fix_all(action)
            actions.append(action)
        return actions

    def resolves_edits(self) -> bool:
        """Whether the client asks for a code action's edit when it is chosen."""
        support = self.capability("text_document.code_action.resolve_support")
        return support is not None and "edit" in (getattr(support, "properties", None) or [])

    def document_of(self, action: types.CodeAction) -> Optional[Document]:
        """The open document an unresolved action was made for, while at that version
        (None: stale, the action gets no edit and the client asks again)."""
        data = action.data or {}
        doc = self.documents.get(data.get("uri"))
        return doc if doc is not None and data.get("version") == doc.version else None

    async def resolve_quick_fix(self, action: types.CodeAction) -> types.CodeAction:
        """The edit of a quick fix offered before the fixes' edits were rendered."""
        doc = self.document_of(action)
        if doc is None:
            return action
        checked = await self.checked(doc, fixes=True)
        if checked.version != action.data["version"]:
            return action
        for d in checked.result.diagnostics:
            if d.fix is not None and _finding_key(d) == action.data.get("finding"):
                action.edit = self.workspace_edit(doc, checked.version, convert.text_edits(d.fix.edits, checked.lines))
                break
        return action

    async def resolve_fix_all(self, action: types.CodeAction) -> types.CodeAction:
        doc = self.document_of(action)
        if doc is None:
            return action
        project, text, version = doc.project, doc.text, doc.version
        loop = asyncio.get_running_loop()
        try:
            fixed = await loop.run_in_executor(self.worker(), project.workspace.fix, text, doc.path, project.index)
        except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
            self._worker = None
            self.log(types.MessageType.Warning, f"estimator-lint: fixing {doc.path} failed: {type(exc).__name__}: {exc}")
            return action
        edit = convert.replacement(text, fixed.text) if fixed.error is None else None
        lines = convert.LineIndex(text, self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        action.edit = self.workspace_edit(doc, version, convert.text_edits([edit], lines) if edit else [])
        return action

    # -- documents -------------------------------------------------------------------------

    def open(self, uri: str, text: str, version) -> Document:
        path = _path_of(uri)
        doc = Document(uri, path, version, text, self.project_for(path))
        self.documents[uri] = doc
        return doc

    def idle_index(self, project: Project, doc: Document) -> None:
        """Rebuild the index once edits have been still for a while (unsaved texts count),
        unless the edited text cannot change it (no word of the index in its code)."""
        if project.folder is None:
            return
        index = project.index
        if index is not None and doc.path not in index.candidates and not mentions_words(doc.text, index.words):
            return
        if project.idle_task is not None:
            project.idle_task.cancel()

        async def later():
            await asyncio.sleep(INDEX_SETTLE_SECONDS)
            self.request_index(project)

        project.idle_task = asyncio.ensure_future(later())


def _finding_key(d) -> list:
    """A finding of one version of a document, as a code action's data names it."""
    return [d.code, d.line, d.column, d.end_line, d.end_column]


def warm_up() -> None:
    """Import what checking and rendering fixes need (in the server, then the worker)."""
    import estimator_lint.fix_plan  # noqa: F401
    from estimator_lint.rules import ALL_RULES  # noqa: F401


def check_document(workspace: Workspace, index, path: str, text: str, fixes: bool) -> Tuple[FileResult, Optional[str]]:
    """(the check of ``text`` as ``path``, a note instead of findings): a function of its
    arguments only, so that the worker process can run it."""
    if workspace.excluded(path):
        return FileResult(path), None
    if len(text) > MAX_DOCUMENT_CHARS:
        note = f"not checked as you type: {len(text):,} characters (more than {MAX_DOCUMENT_CHARS:,}); run estimator-lint on it"
        return FileResult(path), note
    return workspace.check(text, path, index, fixes=fixes), None


def _path_of(uri: str) -> str:
    path = to_fs_path(uri)
    if path is None:  # untitled:, etc.: named by the URI's last part, in the current directory
        path = os.path.join(os.getcwd(), uri.rsplit("/", 1)[-1] or "untitled.py")
    return os.path.abspath(path)


def _config_stamp(start: str) -> tuple:
    """The ``pyproject.toml`` files a configuration search from ``start`` reads, with their
    modification times (a change means: read the configuration again)."""
    stamp = []
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        try:
            stamp.append((candidate, os.stat(candidate).st_mtime_ns))
        except OSError:
            pass
        parent = os.path.dirname(directory)
        if parent == directory:
            return tuple(stamp)
        directory = parent


def create_server() -> EstimatorLintServer:
    server = EstimatorLintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: EstimatorLintServer, params: types.InitializeParams) -> None:
        folders = [f.uri for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        elif not folders and params.root_path:
            folders = [from_fs_path(params.root_path)]
        for uri in folders:
            path = to_fs_path(uri)
            if path:
                workspace, stamp = ls.load_workspace(os.path.abspath(path))
                ls.projects.append(Project(os.path.abspath(path), workspace, config_stamp=stamp))
        if ls.projects:
            # Messages name other modules relative to the current directory, as a run from
            # the project's root does.
            os.chdir(ls.projects[0].folder)
        # Pull diagnostics where the client asks for them, published ones otherwise.
        ls.pull = params.capabilities.text_document is not None and params.capabilities.text_document.diagnostic is not None
        if ls.pull:

            @server.feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="estimator-lint", inter_file_dependencies=True, workspace_diagnostics=False),
            )
            async def pull_diagnostics(ls: EstimatorLintServer, params: types.DocumentDiagnosticParams):
                doc = ls.documents.get(params.text_document.uri)
                items = (await ls.checked(doc, fixes=False)).items if doc is not None else []
                return types.RelatedFullDocumentDiagnosticReport(items=items)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: EstimatorLintServer, params: types.InitializedParams) -> None:
        # What a check needs, imported before any other thread starts importing it, then
        # kept out of the collector's walks: the server's modules live as long as it does.
        warm_up()
        gc.freeze()
        for project in ls.projects:
            ls.request_index(project)
        ls.worker().submit(warm_up)  # start the fix renderer before it is needed
        if ls.capability("workspace.did_change_watched_files.dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
            registration = types.Registration(
                id="estimator-lint-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
            except Exception as exc:
                ls.log(types.MessageType.Info, f"estimator-lint: no file watching: {exc}")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EstimatorLintServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.reload_config()  # a pyproject.toml written since (clients that do not watch files)
        doc = ls.open(item.uri, item.text, item.version)
        if not ls.pull:
            ls.schedule(doc)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EstimatorLintServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return
        document = ls.workspace.get_text_document(doc.uri)
        doc.text, doc.version = document.source, params.text_document.version
        ls.invalidate(doc)
        if not ls.pull:
            ls.schedule(doc)
        ls.idle_index(doc.project, doc)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: EstimatorLintServer, params: types.DidSaveTextDocumentParams) -> None:
        doc = ls.documents.get(params.text_document.uri)
        if params.text_document.uri.endswith("pyproject.toml"):
            ls.reload_config(force=True)
            return
        ls.reload_config()
        if doc is not None:
            ls.request_index(doc.project)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EstimatorLintServer, params: types.DidCloseTextDocumentParams) -> None:
        doc = ls.documents.pop(params.text_document.uri, None)
        if doc is None:
            return
        ls.invalidate(doc)
        if doc.task is not None:
            doc.task.cancel()
        if not ls.pull:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=[]))
        ls.request_index(doc.project)  # its text on disk counts again

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: EstimatorLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.reload_config(force=True)
            return
        touched = {_path_of(change.uri) for change in params.changes}
        for project in ls.projects:
            if any(project.workspace.contains(path) for path in touched):
                ls.request_index(project)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True
        ),
    )
    async def code_action(ls: EstimatorLintServer, params: types.CodeActionParams):
        return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: EstimatorLintServer, action: types.CodeAction) -> types.CodeAction:
        if action.kind == FIX_ALL_KIND:
            return await ls.resolve_fix_all(action)
        if action.kind == types.CodeActionKind.QuickFix and isinstance(action.data, dict) and "finding" in action.data:
            return await ls.resolve_quick_fix(action)
        return action

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: EstimatorLintServer, params) -> None:
        for pool in (ls.check_pool, ls.index_pool, ls._worker):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    return server
