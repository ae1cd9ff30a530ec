"""The language server (``estimator-lint server``), driven by a real LSP client over stdio.

pytest-lsp's client starts the server as a subprocess (cwd: the test's tmp_path
workspace) and speaks LSP to it with the capabilities of real editors: VS Code 1.65
(diagnostics are published) and Neovim 0.11 (diagnostics are pulled).  Everything the
tests write is in tmp_path.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
pytest_asyncio = pytest.importorskip("pytest_asyncio")

from lsprotocol import types  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import LanguageClient, client_capabilities  # noqa: E402

from helpers import FIXTURES  # noqa: E402

SEED = os.path.join(FIXTURES, "seed_snippet1_override_capture")
PROFILES = ["visual_studio_code", "neovim"]  # push diagnostics / pull diagnostics
TIMEOUT = 60.0


def read(path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def apply_text_edits(text: str, edits) -> str:
    """What an editor does with a list of TextEdits (ASCII text: characters = UTF-16 units)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position):
        return len(text) if position.line >= len(lines) else starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def edits_of(workspace_edit: types.WorkspaceEdit, uri: str):
    if workspace_edit.document_changes:
        return [e for change in workspace_edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list(workspace_edit.changes[uri])


class Session:
    """One client connected to one server, in a tmp_path workspace."""

    def __init__(self, client: LanguageClient, root, profile: str, registrations: list) -> None:
        self.client = client
        self.registrations = registrations
        self.root = root
        self.profile = profile
        self.pull = profile == "neovim"
        self.versions: dict = {}

    def uri(self, name: str) -> str:
        return from_fs_path(str(self.root / name))

    def open(self, name: str, text: str) -> str:
        uri = self.uri(name)
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    async def diagnostics(self, uri: str, until=lambda items: True, timeout: float = TIMEOUT):
        """The document's diagnostics (pulled or as last published) once ``until`` holds."""
        deadline = time.monotonic() + timeout
        items = None
        while True:
            if self.pull:
                report = await self.client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
                )
                items = report.items
            else:
                items = self.client.diagnostics.get(uri)
            if items is not None and until(items):
                return items
            if time.monotonic() > deadline:
                raise AssertionError(f"diagnostics never satisfied the condition; last: {items}")
            await asyncio.sleep(0.05)

    async def actions(self, uri: str, range_: types.Range, only=None):
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=range_,
                context=types.CodeActionContext(diagnostics=[], only=only),
            )
        )
        return result or []


@pytest_asyncio.fixture(params=PROFILES)
async def session(request, tmp_path):
    client = pytest_lsp.make_test_lsp_client()
    registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):  # as editors do: accept the watchers
        registrations.extend(params.registrations)

    await client.start_io(sys.executable, "-m", "estimator_lint", "server", cwd=str(tmp_path))
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=from_fs_path(str(tmp_path)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(tmp_path)), name="project")],
        )
    )
    yield Session(client, tmp_path, request.param, registrations)
    await client.shutdown_session()
    await client.stop()


def cli_json(tmp_path, name: str):
    """What ``estimator-lint --output-format json`` reports for the file (cwd: tmp_path)."""
    proc = subprocess.run(
        [sys.executable, "-m", "estimator_lint", "--no-cache", "--output-format", "json", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def lsp_range(finding) -> tuple:
    """The CLI's 1-based row/column as LSP's 0-based (line, character) pairs."""
    start, end = finding["location"], finding["end_location"]
    return ((start["row"] - 1, start["column"] - 1), (end["row"] - 1, end["column"] - 1))


def as_tuple(r: types.Range) -> tuple:
    return ((r.start.line, r.start.character), (r.end.line, r.end.character))


def with_codes(*codes):
    return lambda items: sorted(str(i.code) for i in items if i.code) == sorted(codes)


@pytest.mark.asyncio
async def test_seed_findings_at_the_cli_positions_and_the_quick_fix_gives_the_fixed_seed(session):
    before, after = read(os.path.join(SEED, "before.py")), read(os.path.join(SEED, "after.py"))
    (session.root / "model.py").write_text(before, encoding="utf-8")
    uri = session.open("model.py", before)

    items = await session.diagnostics(uri, with_codes("EST101", "EST102"))
    cli = cli_json(session.root, "model.py")
    assert sorted((i.code, as_tuple(i.range)) for i in items) == sorted((f["code"], lsp_range(f)) for f in cli)
    assert sorted((i.code, i.message) for i in items) == sorted((f["code"], f["message"]) for f in cli)
    by_code = {i.code: i for i in items}
    assert by_code["EST101"].range.start == types.Position(line=30, character=4)
    assert by_code["EST102"].range.start == types.Position(line=33, character=12)
    for item in items:
        assert item.source == "estimator-lint"
        assert item.severity == types.DiagnosticSeverity.Warning
        assert item.code_description.href.endswith("#" + f"{item.code.lower()}-{item.data['name']}")
    assert by_code["EST101"].data["name"] == "estimator-member-override"
    assert by_code["EST102"].data["name"] == "tensor-on-self"

    actions = await session.actions(uri, by_code["EST101"].range)
    fixes = [a for a in actions if a.title.startswith("Fix EST101")]
    assert len(fixes) == 1 and fixes[0].kind == types.CodeActionKind.QuickFix and fixes[0].is_preferred
    assert "(unsafe)" not in fixes[0].title
    fix = fixes[0]
    if fix.edit is None:  # offered before its edits were rendered: the client resolves it
        fix = await session.client.code_action_resolve_async(fix)
    fixed = apply_text_edits(before, edits_of(fix.edit, uri))
    assert fixed == after

    # The editor applies it: the findings go away.
    session.change(uri, fixed)
    assert list(await session.diagnostics(uri, lambda items: not items)) == []


@pytest.mark.asyncio
async def test_fix_all_applies_the_safe_fixes(session):
    before, after = read(os.path.join(SEED, "before.py")), read(os.path.join(SEED, "after.py"))
    uri = session.open("model.py", before)
    await session.diagnostics(uri, with_codes("EST101", "EST102"))
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    actions = await session.actions(uri, whole, only=[types.CodeActionKind.SourceFixAll])
    assert [a.title for a in actions] == ["Fix all safe EST findings"]
    action = actions[0]
    assert action.kind == "source.fixAll.estimator-lint"
    if action.edit is None:  # the client resolves it when chosen
        action = await session.client.code_action_resolve_async(action)
    assert apply_text_edits(before, edits_of(action.edit, uri)) == after
    # A quick-fix request does not offer source actions.
    quick = await session.actions(uri, whole, only=[types.CodeActionKind.QuickFix])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in quick)


@pytest.mark.asyncio
async def test_disable_for_this_line_adds_and_merges_noqa(session):
    before = read(os.path.join(SEED, "before.py"))
    uri = session.open("model.py", before)
    items = await session.diagnostics(uri, with_codes("EST101", "EST102"))
    est102 = next(i for i in items if i.code == "EST102")
    actions = await session.actions(uri, est102.range)
    disable = [a for a in actions if a.title == "Disable EST102 for this line"]
    assert len(disable) == 1
    text = apply_text_edits(before, edits_of(disable[0].edit, uri))
    line = text.splitlines()[33]
    assert line.endswith("# Attempt to capture the tensor.  # noqa: EST102")
    session.change(uri, text)
    await session.diagnostics(uri, with_codes("EST101"))

    # A line with a noqa list gets the code merged into it.
    merged_source = before.replace("    def _call_model_fn(self, features, labels, mode, config):", "    def _call_model_fn(self, features, labels, mode, config):  # noqa: EST104")
    session.change(uri, merged_source)
    items = await session.diagnostics(uri, with_codes("EST101", "EST102"))
    est101 = next(i for i in items if i.code == "EST101")
    actions = await session.actions(uri, est101.range)
    disable = next(a for a in actions if a.title == "Disable EST101 for this line")
    text = apply_text_edits(merged_source, edits_of(disable.edit, uri))
    assert text.splitlines()[30].endswith("# noqa: EST104, EST101")


@pytest.mark.asyncio
async def test_edits_update_the_diagnostics(session):
    uri = session.open("m.py", "import tensorflow as tf\n")
    assert list(await session.diagnostics(uri)) == []
    before = read(os.path.join(SEED, "before.py"))
    session.change(uri, before)
    await session.diagnostics(uri, with_codes("EST101", "EST102"))
    # Two lines inserted above: the findings move with them.
    session.change(uri, "# one\n# two\n" + before)
    items = await session.diagnostics(uri, lambda items: any(i.range.start.line == 32 for i in items))
    assert sorted((i.code, i.range.start.line) for i in items) == [("EST101", 32), ("EST102", 35)]
    # Many quick changes: the last one wins.
    for n in range(10):
        session.change(uri, "x = %d\n" % n)
    session.change(uri, before)
    await session.diagnostics(uri, with_codes("EST101", "EST102"))


@pytest.mark.asyncio
async def test_a_change_in_another_module_propagates(session):
    root = session.root
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    base_src = "import tensorflow as tf\n\n\nclass Base(tf.estimator.Estimator):\n    pass\n"
    (root / "pkg" / "base.py").write_text(base_src)
    child_src = "from pkg.base import Base\n\n\nclass Child(Base):\n    def train(self, input_fn):\n        return 1\n"
    (root / "pkg" / "child.py").write_text(child_src)

    child = session.open("pkg/child.py", child_src)
    items = await session.diagnostics(child, with_codes("EST101"))
    assert items[0].range.start == types.Position(line=4, character=4)
    assert "Child -> Base (pkg/base.py) -> tf.estimator.Estimator" in items[0].message

    # Base stops being an Estimator (edited and saved in the editor): the override is fine.
    base = session.open("pkg/base.py", base_src)
    new_base = "class Base:\n    pass\n"
    session.change(base, new_base)
    (root / "pkg" / "base.py").write_text(new_base)
    session.save(base)
    await session.diagnostics(child, lambda items: not items)

    # ... and back, unsaved: the open document's text counts once the edit settles.
    session.change(base, base_src)
    await session.diagnostics(child, with_codes("EST101"))


@pytest.mark.asyncio
async def test_configuration_comes_from_the_workspace_and_reloads(session):
    root = session.root
    (root / "pyproject.toml").write_text('[tool.estimator-lint]\nignore = ["EST102"]\n')
    before = read(os.path.join(SEED, "before.py"))
    uri = session.open("model.py", before)
    await session.diagnostics(uri, with_codes("EST101"))

    (root / "pyproject.toml").write_text('[tool.estimator-lint]\nper-file-ignores = { "model.py" = ["EST101"] }\n')
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=session.uri("pyproject.toml"), type=types.FileChangeType.Changed)]
        )
    )
    await session.diagnostics(uri, with_codes("EST102"))


@pytest.mark.asyncio
async def test_bad_documents_give_one_diagnostic_or_none_and_the_server_goes_on(session):
    broken = session.open("broken.py", "import tensorflow as tf\nclass E(tf.estimator.Estimator:\n    pass\n")
    items = await session.diagnostics(broken, lambda items: len(items) == 1)
    assert items[0].severity == types.DiagnosticSeverity.Error
    assert items[0].message.startswith("syntax error")
    assert items[0].range.start.line == 1

    deep = session.open("deep.py", "import tensorflow as tf\nx = " + "(" * 300 + ")" * 300 + "\n")
    items = await session.diagnostics(deep, lambda items: len(items) <= 1)
    assert len(items) <= 1

    nested = "import tensorflow as tf\n" + "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n"
    items = await session.diagnostics(session.open("nested.py", nested), lambda items: len(items) <= 1)
    assert len(items) <= 1

    huge = "import tensorflow as tf\n" + "# " + "x" * 5_000_000 + "\n"
    items = await session.diagnostics(session.open("huge.py", huge), lambda items: len(items) == 1)
    assert "not checked as you type" in items[0].message

    # Still serving: the seed's findings arrive for a new document.
    uri = session.open("model.py", read(os.path.join(SEED, "before.py")))
    await session.diagnostics(uri, with_codes("EST101", "EST102"))


@pytest.mark.asyncio
async def test_unsafe_quick_fixes_say_so(session):
    source = read(os.path.join(FIXTURES, "read_captured_attribute", "before.py"))
    from estimator_lint.engine import lint_source

    unsafe = [d for d in lint_source(source, "m.py") if d.fix is not None and d.fix.applicability.value == "unsafe"]
    assert unsafe
    uri = session.open("m.py", source)
    await session.diagnostics(uri, lambda items: len(items) > 0)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=10_000, character=0))
    actions = await session.actions(uri, whole, only=[types.CodeActionKind.QuickFix])
    labelled = [a for a in actions if a.title.endswith("(unsafe)")]
    assert sorted(a.title for a in labelled) == sorted(f"Fix {d.code}: {d.fix.message} (unsafe)" for d in unsafe)
    assert not any(a.is_preferred for a in labelled)


def test_a_check_runs_with_the_collector_paused_and_restores_it(monkeypatch):
    """The server checks a document with the cyclic collector paused (each collection would
    walk the whole tree) and leaves it as it found it, enabled or not."""
    import gc

    from estimator_lint import source
    from estimator_lint.diagnostics import FileResult
    from estimator_lint.lsp import server

    seen = []
    monkeypatch.setattr(server, "check_document", lambda *args: (seen.append(gc.isenabled()), (FileResult("m.py"), None))[1])
    ls = server.EstimatorLintServer()
    monkeypatch.setattr(ls, "_converted", lambda version, text, fixes, result, note: (gc.isenabled(), result))
    assert gc.isenabled()
    assert ls._check(1, None, None, "m.py", "x = 1\n")[0] is True  # converted with it enabled again
    gc.disable()
    try:
        with source.collector_paused():  # nested: one pause
            with source.collector_paused():
                assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
    assert seen == [False]


@pytest.mark.asyncio
async def test_a_quick_fix_right_after_a_change_comes_at_once_and_resolves(session):
    """Asked for right after a change, quick fixes come without waiting for their edits
    (libcst renders them in the worker) where the client resolves a code action's edit
    when it is chosen; resolving one gives the seed's fixed code."""
    before, after = read(os.path.join(SEED, "before.py")), read(os.path.join(SEED, "after.py"))
    uri = session.open("model.py", "x = 1\n")
    await session.diagnostics(uri, lambda items: not items)
    session.change(uri, before)
    items = await session.diagnostics(uri, with_codes("EST101", "EST102"))
    est101 = next(i for i in items if i.code == "EST101")
    fix = next(a for a in await session.actions(uri, est101.range) if a.title.startswith("Fix EST101"))
    support = client_capabilities(session.profile).text_document.code_action.resolve_support
    if support is not None and "edit" in (support.properties or []):
        assert fix.edit is None  # the edits of this version are not rendered yet
        assert fix.data["finding"][0] == "EST101"
        fix = await session.client.code_action_resolve_async(fix)
    assert fix.edit is not None
    assert apply_text_edits(before, edits_of(fix.edit, uri)) == after
