#!/usr/bin/env python3
"""Latency of ``estimator-lint server`` as an editor feels it, on a 2,000-line file.

    python benchmarks/lsp_latency.py [--lines 2000] [--changes 20]

Starts the server over stdio with pygls's client, in a scratch workspace holding one
file of ``--lines`` lines: the seed's bad snippet (two findings with fixes) followed by
clean Estimator code (copies of the seed's fixed program).  After a warm-up it measures:

* push (a VS Code-like client): from sending ``didChange`` to receiving the
  ``publishDiagnostics`` of that version;
* pull (a Neovim-like client): from sending ``didChange`` to the answer of the
  ``textDocument/diagnostic`` request sent right after it;
* a code action request on the EST101 finding once its fix edits are rendered.

Targets (issue 18): diagnostics within 100 ms of a change, a code action within 50 ms.
Numbers are printed, never asserted; they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(os.path.dirname(HERE), "fixtures", "seed_snippet1_override_capture")


def make_file(lines: int) -> str:
    """The seed's bad program, then copies of its fixed program (renamed) up to ``lines``."""
    with open(os.path.join(SEED, "before.py"), encoding="utf-8") as handle:
        parts = [handle.read()]
    with open(os.path.join(SEED, "after.py"), encoding="utf-8") as handle:
        clean = "".join(line for line in handle.read().splitlines(keepends=True) if not line.startswith("import "))
    n = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(
            clean.replace("MyEstimator", f"MyEstimator{n}")
            .replace("my_model_fn", f"my_model_fn{n}")
            .replace("my_input_fn", f"my_input_fn{n}")
            .replace("estimator = ", f"estimator{n} = ")
            .replace("estimator.", f"estimator{n}.")
        )
        n += 1
    return "".join(parts)


def summary(name: str, values: List[float], target_ms: Optional[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    if target_ms is None:
        verdict = "no target"
    else:
        verdict = f"target {target_ms:.0f} ms: " + ("within" if statistics.median(ms) <= target_ms else "OVER")
    return (
        f"{name:<44} median {statistics.median(ms):7.1f} ms  p90 {p90:7.1f} ms  max {ms[-1]:7.1f} ms"
        f"  (n={len(ms)}; {verdict})"
    )


async def session(root: str, text: str, pull: bool, changes: int) -> List[str]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient
    from pygls.uris import from_fs_path

    client = LanguageClient("latency-bench", "1")
    published: dict = {}
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams):
        published.setdefault(params.version, (time.perf_counter(), params.diagnostics))
        arrived.set()

    await client.start_io(sys.executable, "-m", "estimator_lint", "server", cwd=root)
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "source.fixAll"])
                ),
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
            ),
        )
    )
    root_uri = from_fs_path(root)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root_uri,
            workspace_folders=[types.WorkspaceFolder(uri=root_uri, name="bench")],
        )
    )
    client.initialized(types.InitializedParams())
    uri = from_fs_path(os.path.join(root, "big.py"))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=0, text=text))
    )

    async def diagnostics_after(version: int, new_text: str) -> float:
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
            )
        )
        if pull:
            await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            return time.perf_counter() - start
        while version not in published:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 60)
        return published[version][0] - start

    # Warm-up: imports, the first check, the project index.
    for version in range(1, 4):
        await diagnostics_after(version, text + f"# warm-up {version}\n")
    await asyncio.sleep(3)
    times = []
    for i in range(changes):
        version = 10 + i
        times.append(await diagnostics_after(version, text + f"x_{i} = {i}\n"))
        await asyncio.sleep(0.15)  # typing pace: a change now and then
    lines = [summary(f"diagnostics after a change ({'pull' if pull else 'push'})", times, 100)]

    if not pull:
        # A code action once the document is still (its fix edits rendered in the background).
        await asyncio.sleep(2.0)
        rng = types.Range(start=types.Position(line=30, character=4), end=types.Position(line=30, character=4))
        await client.text_document_code_action_async(  # untimed: waits for the fix edits if need be
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=rng, context=types.CodeActionContext(diagnostics=[])
            )
        )
        action_times = []
        for _ in range(changes):
            start = time.perf_counter()
            actions = await client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=rng,
                    context=types.CodeActionContext(diagnostics=[]),
                )
            )
            action_times.append(time.perf_counter() - start)
            assert any(a.title.startswith("Fix EST101") for a in actions or []), actions
        lines.append(summary("code action on a finding (edits rendered)", action_times, 50))
        # A code action right after a change: the answer comes after that version's check
        # (quick fixes without their edit); choosing one resolves its edit (libcst renders it).
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=1000),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=rng, context=types.CodeActionContext(diagnostics=[])
            )
        )
        lines.append(summary("code action right after a change (answer)", [time.perf_counter() - start], 50))
        fix = next(a for a in actions or [] if a.title.startswith("Fix EST101"))
        start = time.perf_counter()
        if fix.edit is None:
            fix = await client.code_action_resolve_async(fix)
        assert fix.edit is not None, fix
        lines.append(summary("  ... its edit, resolved when chosen (renders)", [time.perf_counter() - start], None))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args(argv)
    text = make_file(args.lines)
    print(f"file: {text.count(chr(10))} lines, {len(text):,} characters; python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="estimator-lint-lsp-bench-") as root:
        with open(os.path.join(root, "big.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
        # The floor: the same check in this process, without the server around it.
        from estimator_lint.workspace import Workspace

        workspace = Workspace.load(root)
        path = os.path.join(root, "big.py")
        floor = []
        for i in range(args.changes + 3):
            start = time.perf_counter()
            workspace.check(text + f"x_{i} = {i}\n", path, None, fixes=False)
            floor.append(time.perf_counter() - start)
        print(summary("engine check alone, no server (floor)", floor[3:], 100))
        start = time.perf_counter()
        workspace.check(text, path, None, fixes=True)
        print(summary("engine check rendering fix edits (floor)", [time.perf_counter() - start], 100))
        for pull in (False, True):
            for line in asyncio.run(session(root, text, pull, args.changes)):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
