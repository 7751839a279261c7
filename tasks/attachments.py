"""Checking uploaded report attachments: allowed types, size, and content (not only the name).

A file is accepted when its extension is one of PDF, xlsx, docx, PNG or JPG, it is not empty and
not larger than ``settings.PORTAL_MAX_UPLOAD_BYTES``, and its first bytes (and, for Office files, its
zip structure) are those of that type. A renamed executable, a macro workbook or an archive posing as
a workbook is refused with a message naming the file.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import AttachmentKind

EXTENSIONS = {
    ".pdf": AttachmentKind.PDF,
    ".xlsx": AttachmentKind.XLSX,
    ".docx": AttachmentKind.DOCX,
    ".png": AttachmentKind.PNG,
    ".jpg": AttachmentKind.JPEG,
    ".jpeg": AttachmentKind.JPEG,
}
MAGIC = {
    AttachmentKind.PDF: (b"%PDF-",),
    AttachmentKind.PNG: (b"\x89PNG\r\n\x1a\n",),
    AttachmentKind.JPEG: (b"\xff\xd8\xff",),
    AttachmentKind.XLSX: (b"PK\x03\x04",),
    AttachmentKind.DOCX: (b"PK\x03\x04",),
}
# The part every genuine Office Open XML file of the type contains.
OOXML_MAIN_PART = {AttachmentKind.XLSX: "xl/workbook.xml", AttachmentKind.DOCX: "word/document.xml"}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
CONTENT_TYPES = {
    AttachmentKind.PDF: "application/pdf",
    AttachmentKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    AttachmentKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    AttachmentKind.PNG: "image/png",
    AttachmentKind.JPEG: "image/jpeg",
}
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024
MAX_ATTACHMENTS_PER_REPORT = 20
#: The codes of the errors ``check_upload`` raises about one file (the form shows them on the upload field).
UPLOAD_ERROR_CODES = frozenset({"type", "empty", "size", "executable", "content", "macro"})


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    size: int
    sha256: str


def error_is_about_upload(error: ValidationError) -> bool:
    """A service error about an uploaded file (no field named, one of ``UPLOAD_ERROR_CODES``)."""
    return not hasattr(error, "error_dict") and error.code in UPLOAD_ERROR_CODES


def clean_name(name: str) -> str:
    """The file's own name without any directory part or control characters, at most 200 chars."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "attachment"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext)] + ext


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def check_upload(upload) -> CheckedFile:
    """Return what the upload is, or raise ``ValidationError`` with a message naming the file."""
    name = clean_name(getattr(upload, "name", ""))
    ext = os.path.splitext(name)[1].lower()
    kind = EXTENSIONS.get(ext)
    if kind is None:
        raise ValidationError(
            _("“%(name)s”: this file type is not accepted. Attach PDF, Excel (.xlsx), Word (.docx), PNG or JPG files.")
            % {"name": name},
            code="type",
        )
    size = upload.size
    if not size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s MB; attachments may be at most %(limit)s MB.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
            code="size",
        )
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(EXECUTABLE_MAGIC):
        raise ValidationError(
            _("“%(name)s” is an executable program, not a document; it was refused.") % {"name": name},
            code="executable",
        )
    if not head.startswith(MAGIC[kind]):
        raise ValidationError(
            _(
                "“%(name)s” is not a genuine %(type)s file: its content does not match its name. "
                "Renamed or damaged files are refused."
            )
            % {"name": name, "type": AttachmentKind(kind).label},
            code="content",
        )
    if kind in OOXML_MAIN_PART:
        _check_ooxml(upload, name, kind)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, kind=kind, size=size, sha256=digest.hexdigest())


def _check_ooxml(upload, name: str, kind: str) -> None:
    bad = ValidationError(
        _(
            "“%(name)s” is not a genuine %(type)s file: its content does not match its name. "
            "Renamed or damaged files are refused."
        )
        % {"name": name, "type": AttachmentKind(kind).label},
        code="content",
    )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED:
                raise bad
            if "[Content_Types].xml" not in names or OOXML_MAIN_PART[AttachmentKind(kind)] not in names:
                raise bad
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise ValidationError(
                    _("“%(name)s” contains macros; save it as a plain .xlsx or .docx file without macros.")
                    % {"name": name},
                    code="macro",
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise bad
