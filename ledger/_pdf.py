"""The report as a PDF for a court: PDF/A-3b, rendered by WeasyPrint, carrying the evidence
bundle as an associated file (spec/report-pdf.md).

WeasyPrint (the optional extra ``provenote[pdf]``, with Pango) is imported only when a PDF is
written: it takes about half a second to load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger._licences import atomic_output, check_output_path
from verifier.format import BUNDLE_SUFFIX, UsageError

#: What spec/report-pdf.md names: the PDF/A part and conformance, and the attachment's relationship.
PDF_VARIANT = "pdf/a-3b"
BUNDLE_RELATIONSHIP = "Source"
#: The largest bundle a PDF report carries (the verifier reads PDFs up to a bound too); a larger
#: one (audio embedded) goes to court as an evidence package (``export --package``).
MAX_PDF_BUNDLE = 64 << 20
_NAME_MAX = 100


@dataclass(frozen=True)
class PdfWritten:
    """A PDF report written: its path, its size, and the attachment's name in it."""

    path: Path
    size: int
    attachment: str


def attachment_name(bundle_path: Path) -> str:
    """The attachment's file name: the bundle's own name, reduced to letters, digits, ``.-_``
    (at most 100 characters), ending in ``.bundle``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", bundle_path.name).strip(".-") or "evidence"
    if stem.endswith(BUNDLE_SUFFIX):
        stem = stem[: -len(BUNDLE_SUFFIX)] or "evidence"
    return stem[: _NAME_MAX - len(BUNDLE_SUFFIX)] + BUNDLE_SUFFIX


def write_report_pdf(html: str, bundle: bytes, out: Path, *, name: str, verbose: bool = False,
                     created: datetime | None = None) -> PdfWritten:
    """Render ``html`` (self-contained: nothing is fetched) to ``out`` as PDF/A-3b with ``bundle``
    attached under ``name`` as an associated file (/AF, AFRelationship /Source). Written as
    :func:`ledger.write_atomic` writes (a temporary file beside ``out``, renamed; nothing left
    behind on failure), with the permissions ``open()`` gives a new file under the umask: the PDF
    carries the whole bundle. WeasyPrint's own log is silenced unless ``verbose``.

    Raises:
        UsageError: WeasyPrint (or Pango) is not installed; the bundle is over MAX_PDF_BUNDLE;
            ``out`` is not a regular file or its folder does not exist (LedgerError).
        OSError: writing failed.
    """
    if len(bundle) > MAX_PDF_BUNDLE:
        raise UsageError(f"the bundle is {len(bundle)} bytes, over the {MAX_PDF_BUNDLE >> 20} MiB a PDF report "
                         "carries; export it without audio, or as an evidence package (export --package)")
    check_output_path(out, option="PDF")
    with _weasyprint_log(verbose):
        weasyprint = _import_weasyprint()
        when = created or datetime.now(UTC)
        attachment = weasyprint.Attachment(string=bundle, name=name, relationship=BUNDLE_RELATIONSHIP,
                                           description="provenote evidence bundle (verify: provenote-verify "
                                                       "THIS.pdf)", created=when, modified=when)
        document = weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=()))
        with atomic_output(out, prefix=f".provenote-report-{os.getpid()}-", option="PDF") as handle:
            document.write_pdf(handle, pdf_variant=PDF_VARIANT, attachments=[attachment], finisher=_one_af_entry_each)
    return PdfWritten(out, out.stat().st_size, name)


def _import_weasyprint() -> Any:
    """The weasyprint module. Raises UsageError when it (or Pango, which it loads) is missing."""
    try:
        import weasyprint
    except ImportError as e:
        raise UsageError("a PDF report needs WeasyPrint: pip install 'provenote[pdf]'") from e
    except OSError as e:  # WeasyPrint is installed but Pango is not (cffi cannot load it)
        raise UsageError(f"a PDF report needs Pango (WeasyPrint could not load it: {e}); "
                         "on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0") from e
    return weasyprint


def _one_af_entry_each(document: Any, pdf: Any) -> None:
    """WeasyPrint lists an attachment in the catalog's /AF twice (once from the EmbeddedFiles
    name tree, once from its file specification): keep each reference once."""
    del document
    entries = pdf.catalog.get("AF")
    if entries:
        unique = list(dict.fromkeys(entries))
        entries.clear()
        entries.extend(unique)


@contextmanager
def _weasyprint_log(verbose: bool) -> Iterator[None]:
    """WeasyPrint and fontTools log ignored CSS and font substitutions: silent for one rendering,
    or, when ``verbose``, shown on stderr prefixed with the logger's name."""
    import logging  # here: every command loads this module, few render a PDF

    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    saved = [lg.level for lg in loggers]
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    for lg in loggers:
        if verbose:
            lg.addHandler(handler)
        else:  # their children (weasyprint.progress, fontTools.subset, ...) inherit the level
            lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
