"""Writing TOML text by hand (tomllib only reads): strings quoted so that any text round-trips."""
from __future__ import annotations

#: Characters a TOML basic string must escape besides the control characters (TOML 1.0 spec).
_SHORT = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, read back exactly by tomllib: backslash, quote and every
    control character (U+0000-U+001F, U+007F: a newline or NUL in a name once broke the file or
    cut the value) escaped."""
    out = []
    for ch in text:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
