"""The evidence bundle a PDF report carries (spec/report-pdf.md): found among the PDF's embedded
files by its name (``*.bundle``), read with pypdf, imported only for a PDF.

The PDF is untrusted: its size is bounded (MAX_PDF_SIZE), pypdf's own limits bound every stream it
decodes, the embedded files looked at are bounded (MAX_EMBEDDED_FILES), and whatever pypdf raises
for a broken or hostile file becomes one UsageError.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier._files import read_regular_file
from verifier.format import BUNDLE_SUFFIX, UsageError

PDF_MAGIC = b"%PDF-"
#: A PDF report is its pages and one bundle of 64 MiB at most (the writer's bound): 256 MiB is ample.
MAX_PDF_SIZE = 256 << 20
MAX_EMBEDDED_FILES = 1_000


@dataclass(frozen=True)
class PdfBundle:
    """The bundle found in a PDF: the PDF's path, the attachment's name (untrusted text: make it
    inert before showing it), its bytes and their SHA-256."""

    pdf: Path
    name: str
    data: bytes

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()


def is_pdf(path: Path) -> bool:
    """Whether the file starts as a PDF does (``%PDF-``). Raises OSError."""
    with path.open("rb") as handle:
        return handle.read(len(PDF_MAGIC)) == PDF_MAGIC


def extract_pdf_bundle(path: Path) -> PdfBundle:
    """The one provenote bundle attached to the PDF at ``path``: the embedded file (EmbeddedFiles
    name tree) whose name ends in ``.bundle``.

    Raises:
        UsageError: pypdf is not installed; the PDF is over MAX_PDF_SIZE, unreadable, or holds
            no bundle or more than one.
        OSError: the file cannot be read.
    """
    data = read_regular_file(path, limit=MAX_PDF_SIZE, what="PDF")
    try:
        import pypdf
    except ImportError as e:
        raise UsageError(f"{path}: reading a PDF report needs pypdf: pip install pypdf "
                         "(or pip install 'provenote[pdf-read]')") from e
    import logging  # here: the verifier's start-up does not load it

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL + 1)  # pypdf logs every repair of a broken file
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = _bundle_attachments(pypdf.PdfReader(io.BytesIO(data), strict=False), path)
            if len(found) != 1:
                raise UsageError(f"{path}: the PDF holds {len(found)} provenote bundle attachments "
                                 f"(*{BUNDLE_SUFFIX}), not one")
            name, attachment = found[0]
            content = attachment.content
    except UsageError:
        raise
    except Exception as e:  # pypdf raises many kinds for a hostile file; each is bad input
        raise UsageError(f"{path}: not a readable PDF report ({type(e).__name__}: {str(e)[:200]})") from e
    finally:
        pypdf_log.setLevel(level)
    if not isinstance(content, bytes):
        raise UsageError(f"{path}: the PDF's attachment {name[:100]} has no content")
    return PdfBundle(path, name, content)


def _bundle_attachments(reader: Any, path: Path) -> list[tuple[str, Any]]:
    """(name, embedded file) for each embedded file named ``*.bundle`` (its name in the tree or
    its /UF). Raises UsageError past MAX_EMBEDDED_FILES."""
    found = []
    for count, attachment in enumerate(reader.attachment_list, 1):
        if count > MAX_EMBEDDED_FILES:
            raise UsageError(f"{path}: the PDF holds more than {MAX_EMBEDDED_FILES} embedded files")
        names = [n for n in (attachment.name, attachment.alternative_name) if isinstance(n, str)]
        bundle_names = [n for n in names if n.lower().endswith(BUNDLE_SUFFIX)]
        if bundle_names:
            found.append((bundle_names[0], attachment))
    return found
