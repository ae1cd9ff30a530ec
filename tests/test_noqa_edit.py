"""``noqa.add_code_edit`` (the language server's "Disable EST10x for this line") and the
LSP position conversion."""

import pytest

from estimator_lint.source import physical_lines
from estimator_lint.diagnostics import apply_edits
from estimator_lint.noqa import add_code_edit


def disabled(text: str, line: int, code: str = "EST102"):
    edit = add_code_edit(text, physical_lines(text), line, code)
    return None if edit is None else apply_edits(text, [edit])


@pytest.mark.parametrize(
    "text, line, expected",
    [
        ("x = 1\ny = 2\n", 1, "x = 1  # noqa: EST102\ny = 2\n"),
        ("x = 1\ny = 2\n", 2, "x = 1\ny = 2  # noqa: EST102\n"),
        ("x = 1\r\ny = 2\r\n", 1, "x = 1  # noqa: EST102\r\ny = 2\r\n"),
        ("x = 1   \n", 1, "x = 1  # noqa: EST102\n"),
        ("x = 1", 1, "x = 1  # noqa: EST102"),
        ("x = 1  # why\n", 1, "x = 1  # why  # noqa: EST102\n"),
        ("x = 1  # noqa: EST101\n", 1, "x = 1  # noqa: EST101, EST102\n"),
        ("x = 1  # NOQA:EST101,EST103\n", 1, "x = 1  # NOQA:EST101,EST103, EST102\n"),
        ("f(a,\n  b)\n", 1, "f(a,  # noqa: EST102\n  b)\n"),
    ],
)
def test_adds_or_merges(text, line, expected):
    assert disabled(text, line) == expected


@pytest.mark.parametrize(
    "text, line",
    [
        ("x = 1  # noqa\n", 1),  # already silences everything
        ("x = 1  # noqa: EST10\n", 1),  # a prefix that covers the code
        ('s = """a\nb"""\n', 1),  # the line ends inside a string
        ("x = 1 + \\\n  2\n", 1),  # a backslash continues it
        ("x = 1\n", 3),  # no such line
    ],
)
def test_refuses_where_no_comment_can_go(text, line):
    assert disabled(text, line) is None


def test_lsp_positions_count_utf16_units_and_python_line_breaks():
    types = pytest.importorskip("lsprotocol.types")
    from estimator_lint.lsp.convert import LineIndex, replacement

    text = "a = '\U0001f600'; b\n\x0cc = '\u2028'; d\r\ne\n"
    lines = LineIndex(text)
    # Line 0: the emoji is one character, two UTF-16 units.
    assert lines.position(0, 9) == types.Position(line=0, character=10)
    # \x0c and \u2028 do not end a line for Python or LSP.
    assert lines.position(1, 10) == types.Position(line=1, character=10)
    assert lines.position_at(text.index("e")) == types.Position(line=2, character=0)
    assert lines.offset(types.Position(line=0, character=10)) == 9
    assert LineIndex(text, types.PositionEncodingKind.Utf8).position(0, 9) == types.Position(line=0, character=12)
    assert LineIndex(text, types.PositionEncodingKind.Utf32).position(0, 9) == types.Position(line=0, character=9)
    edit = replacement("abcXYZdef", "abcQdef")
    assert (edit.start, edit.end, edit.content) == (3, 6, "Q")
    assert replacement("same", "same") is None


@pytest.mark.parametrize(
    "text",
    ["", "a", "a\n", "\n\n", "a\nb", "a\n\nb\n", "x\r\ny", "x\ry\n", "a\r", "f\x0cg\n", "v\x0bw\nx", "p\x1cq\u2028r\n"],
)
def test_physical_lines_split_where_the_tokenizer_does(text):
    import io
    import re

    # The reference: only \r\n, \r and \n end a line (\f, \v, \x1c, \u2028 do not).
    assert physical_lines(text) == re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)
    assert "".join(physical_lines(text)) == text
    if "\r" not in text:
        lines = physical_lines(text)
        assert len(lines) == len(list(io.StringIO(text)))  # what tokenize's readline gives
