"""Text from data, made safe to print on a terminal: shown, never obeyed.

A patient's name, an MRN, a consult or pack id, a certificate's subject or a file name can hold
characters a terminal acts on: ESC starts a control sequence (``ESC[2J`` clears the screen,
others retitle the window or rewrite what was printed), a newline splits one row of a listing
into two, a bidi override (U+202E) shows the text after it backwards. Every line the command
line prints with such text in it goes through :func:`safe` (usually by :func:`echo`):

- C0 controls (newline and tab included) become their Unicode control pictures (ESC ``␛``,
  newline ``␊``, tab ``␉``), DEL ``␡``; C1 controls ``\\x9b``;
- bidi embeddings, overrides, isolates and marks, and the line and paragraph separators,
  become markers such as ``<U+202E>``;
- a lone surrogate (which no terminal encoding can write) becomes ``\\udc80``.

Everything else, accents and every script included, is printed as it is.
"""

from __future__ import annotations

import io
import os
import re
import sys
from typing import TextIO

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
# The same but the C0 controls: json.dumps escapes them in strings, and outside strings they
# are the layout (newlines, indents).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
                             "\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return f"<U+{code:04X}>"


def safe(text: object) -> str:
    """``text`` (or ``str(text)``) with every character a terminal would act on made visible;
    the result is one line."""
    return _UNSAFE.sub(_shown, str(text))


def safe_json(text: str) -> str:
    """JSON text (as ``json.dumps`` writes it) with the characters :func:`safe` shows written
    as ``\\uXXXX`` escapes instead: the same JSON (they can stand only inside its strings),
    nothing a terminal obeys. ``json.dumps`` escapes the C0 controls in strings itself."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(line: object = "", *, file: TextIO | None = None) -> None:
    """Print one line made :func:`safe` (standard output unless ``file``).

    When the reader has gone away (``consult-aid demo --out DIR | head -1``) the rest of the
    output goes nowhere and the command goes on: what it was doing is finished, not cut off
    at a line nobody reads."""
    stream = sys.stdout if file is None else file
    try:
        print(safe(line), file=stream)
    except BrokenPipeError:
        discard_output(stream)


def discard_output(stream: TextIO | None = None) -> None:
    """Send what is still to be written to ``stream`` (standard output) to the null device,
    as the Python documentation advises for a closed pipe (signal module, SIGPIPE)."""
    stream = sys.stdout if stream is None else stream
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # not a file (captured in a test)
        pass


def protect_streams() -> None:
    """Let standard output and error write any text, whatever their encoding: a character
    the terminal cannot show is written as a backslash escape, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


__all__ = ["discard_output", "echo", "protect_streams", "safe", "safe_json"]
