"""Evidence files (underlag) of a kontrollutfall: checked by content, stored outside the web root.

A file is accepted only if its bytes are what its name says: PDF, PNG, JPEG, DOCX or XLSX (a
zip whose [Content_Types].xml names the document), or CSV/TXT as UTF-8 text. It is stored under
`<files dir>/evidence/` with a random name and served only as an attachment, after the view
has checked that the user may see the plan.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from ...extensions import db
from ...models import ControlResult, EvidenceFile
from .. import audit_log, spreadsheets
from ..errors import DomainError
from ..storage import discard_on_rollback, write_whole

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 255

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV, TXT = "text/csv", "text/plain"
EXTENSIONS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".csv": CSV,
    ".txt": TXT,
}
OFFICE_MAIN_PARTS = {
    DOCX: "wordprocessingml.document.main+xml",
    XLSX: "spreadsheetml.sheet.main+xml",
}


class EvidenceError(DomainError):
    """The file cannot be kept as evidence; the message is for the user."""


@dataclass(frozen=True)
class EvidenceUpload:
    """A checked file, ready to be stored."""

    name: str
    data: bytes
    content_type: str
    sha256: str


def files_dir() -> Path:
    """Where ISK keeps uploaded files: ISK_FILES_DIR, or the instance folder."""
    return Path(current_app.config.get("FILES_DIR") or current_app.instance_path)


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def read_upload(name: str, stream: BinaryIO) -> EvidenceUpload:
    """Read at most the size limit (plus one byte, to tell) and check the file."""
    limit = max_bytes()
    return check_evidence(name, stream.read(limit + 1), limit)


def check_evidence(name: str, data: bytes, limit: int | None = None) -> EvidenceUpload:
    """Accept the file only if its content is an allowed type matching its name."""
    limit = max_bytes() if limit is None else limit
    name = Path((name or "").replace("\\", "/")).name.strip()[:MAX_NAME_LENGTH]
    if not name:
        raise EvidenceError(_("Filen saknar namn."))
    if not data:
        raise EvidenceError(_("Filen ”%(name)s” är tom.", name=name))
    if len(data) > limit:
        raise EvidenceError(
            _(
                "Filen ”%(name)s” är för stor: högst %(max)s MB tas emot.",
                name=name,
                max=f"{limit / (1024 * 1024):g}".replace(".", ","),
            )
        )
    expected = EXTENSIONS.get(Path(name).suffix.lower())
    found = sniff(data)
    if found == TXT and expected == CSV:
        found = CSV  # CSV is text; its name says which
    if expected is None or found != expected:
        raise EvidenceError(
            _(
                "Filen ”%(name)s” är inte av en tillåten typ. Tillåtna är PDF, PNG, JPEG, "
                "Word (DOCX), Excel (XLSX), CSV och textfiler, och innehållet måste stämma med "
                "filens ändelse.",
                name=name,
            )
        )
    return EvidenceUpload(name, data, expected, hashlib.sha256(data).hexdigest())


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, or None if not an allowed type."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = all(char.isprintable() or char in "\r\n\t\ufeff" for char in text)
    return TXT if printable else None


def _office_type(data: bytes) -> str | None:
    try:
        # The spreadsheet gate's zip check first: reading even one part of a zip bomb is too much.
        spreadsheets.check_archive(io.BytesIO(data))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (spreadsheets.UnsafeArchive, zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    if "macroEnabled" in types:
        return None
    for content_type, part in OFFICE_MAIN_PARTS.items():
        if part in types:
            return content_type
    return None


def store(result: ControlResult, upload: EvidenceUpload) -> EvidenceFile:
    """Write the file under a random name and record it on the kontrollutfall."""
    stored_name = secrets.token_hex(16)
    path = files_dir() / "evidence" / stored_name
    write_whole(path, upload.data, "files")
    discard_on_rollback(db.session(), path)
    evidence = EvidenceFile(
        result=result,
        original_name=upload.name,
        stored_name=stored_name,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=upload.sha256,
        uploaded_by=audit_log.current_actor(),
    )
    db.session.add(evidence)
    db.session.flush()
    audit_log.record(
        "evidence_uploaded", evidence, name=upload.name, sha256=upload.sha256,
        control_result=result.id,
    )
    return evidence


def path_of(evidence: EvidenceFile) -> Path:
    return files_dir() / "evidence" / evidence.stored_name


def read_for_download(evidence: EvidenceFile) -> bytes | None:
    """The file's bytes (None if it is gone); the download is recorded.

    The entry says whether the file still matches the checksum taken at upload. The file is
    read whole (at most EVIDENCE_MAX_BYTES) so that no file handle outlives the request.
    """
    path = path_of(evidence)
    if not path.is_file():
        return None
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    audit_log.record("evidence_downloaded", evidence, file=evidence.original_name,
                     bytes=len(content), sha256=digest, verified=digest == evidence.sha256)
    return content
