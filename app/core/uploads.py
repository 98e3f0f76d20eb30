"""Upload and export hardening.

- `check_upload` reads an uploaded file (within a size limit) and checks its type by its
  content, not only by its name: a CSV holding NUL bytes, a PDF renamed `.csv` or an
  undecodable text is refused with a French message (ValueError), ready to show in a form.
- `neutralise_formula` makes a value safe to write in a CSV/XLSX cell (CSV injection).
- `generated_name` names a stored file: never the user's name, never under `static/`.

The request-wide limit (MAX_CONTENT_LENGTH) still answers 413 before any view runs.
"""

import contextlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

# What each accepted kind may be called.
EXTENSIONS = {
    "csv": (".csv", ".txt"),
    "xlsx": (".xlsx",),
    "pdf": (".pdf",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg"),
}
KIND_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel (.xlsx)",
    "pdf": "PDF",
    "png": "PNG",
    "jpeg": "JPEG",
    "zip": "ZIP",
    "gif": "GIF",
    "ole": "Office ancien format (.xls, .doc)",
    "executable": "programme exécutable",
    "gzip": "archive gzip",
    "rar": "archive RAR",
    "7z": "archive 7-Zip",
    "binary": "binaire",
}
# Signatures at the start of the file ("magic numbers").
MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
# Control characters a text file never holds (tab, LF, FF, CR are fine).
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\x0c", "\r"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    data: bytes
    filename: str
    encoding: str | None = None  # text kinds: "utf-8-sig" or "cp1252"

    @property
    def text(self) -> str:
        if self.encoding is None:
            raise ValueError("not a text file")
        return self.data.decode(self.encoding)


def _size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} Mo"
    return f"{max(1, n // 1024)} Kio"


def _decode_text(data: bytes) -> str | None:
    """The encoding of a text file (UTF-8, with or without BOM, else Windows-1252), or None."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ch in _CONTROL for ch in text):
            return None
        return encoding
    return None


def detect_kind(data: bytes) -> tuple[str, str | None]:
    """(kind, text encoding) from the content alone."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            if kind == "zip":
                return _zip_kind(data), None
            return kind, None
    encoding = _decode_text(data)
    if encoding is None:
        return "binary", None
    return "csv", encoding


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return "zip"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "zip"


def check_upload(
    file_storage: FileStorage | None, max_bytes: int, kinds: tuple[str, ...] = ("csv",)
) -> CheckedUpload:
    """Read and check an upload; raise ValueError (French message) when it must be refused."""
    if file_storage is None or not file_storage.filename:
        raise ValueError(_("Aucun fichier n'a été envoyé."))
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(
            _("Le fichier dépasse la taille maximale autorisée (%(size)s).", size=_size_label(max_bytes))
        )
    if not data:
        raise ValueError(_("Le fichier est vide."))
    kind, encoding = detect_kind(data)
    expected = ", ".join(KIND_LABELS.get(k, k) for k in kinds)
    if kind not in kinds:
        if kind == "binary" and "csv" in kinds:
            raise ValueError(
                _(
                    "Le fichier n'est pas un texte lisible (encodage attendu : UTF-8 ou Windows-1252). "
                    "Enregistrez-le au format %(expected)s.",
                    expected=expected,
                )
            )
        raise ValueError(
            _(
                "Le contenu du fichier ne correspond pas au type attendu (%(expected)s) : "
                "fichier %(found)s détecté.",
                expected=expected,
                found=KIND_LABELS.get(kind, kind),
            )
        )
    suffix = PurePath(file_storage.filename).suffix.lower()
    if suffix not in EXTENSIONS.get(kind, ()):
        raise ValueError(
            _(
                "Le nom du fichier (%(suffix)s) ne correspond pas à son contenu (%(kind)s).",
                suffix=suffix or _("sans extension"),
                kind=KIND_LABELS.get(kind, kind),
            )
        )
    with contextlib.suppress(AttributeError, OSError, ValueError):  # a non-seekable stream
        file_storage.stream.seek(0)
    return CheckedUpload(kind=kind, data=data, filename=file_storage.filename, encoding=encoding)


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def generated_name(kind: str) -> str:
    """A random storage name (the uploader's file name is never used on disk)."""
    extension = EXTENSIONS.get(kind, (".bin",))[0]
    return f"{secrets.token_hex(16)}{extension}"
