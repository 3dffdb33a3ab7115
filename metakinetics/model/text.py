"""Text of a TOML file from its bytes: a byte-order mark or binary content is named as such."""
from __future__ import annotations

from ..errors import ModelFileError


def decode_text(raw: bytes, path: str, what: str) -> str:
    """UTF-8 text of a TOML file; a byte-order mark or binary content is named as such."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ModelFileError(path, None, f"the {what} starts with a UTF-8 byte-order mark (BOM), which TOML "
                                         "does not allow: save it as UTF-8 without BOM")
    if b"\x00" in raw:
        raise ModelFileError(path, None, f"the {what} is a binary file (it holds NUL bytes), not TOML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(path, None, f"the {what} is not UTF-8 text (byte {exc.start}): not a TOML file") from None
