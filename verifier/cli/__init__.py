"""``provenote-verify`` (also ``python -m verifier`` and ``provenote verify``): the command line
of the standalone verifier. argparse only: no click, no lmdb."""

from verifier.cli._main import (
    PROG,
    build_parser,
    load_trusted_key,
    main,
    policy_from_options,
    run,
    write_report,
)
from verifier.cli._progress import TerminalProgress, format_duration, stderr_progress

__all__ = ["PROG", "TerminalProgress", "build_parser", "format_duration", "load_trusted_key", "main",
           "policy_from_options", "run", "stderr_progress", "write_report"]
