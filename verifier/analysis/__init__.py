"""Policy over a verified bundle: what the signed record says about the people and the AI that
made the work, and what its licences cover. Not format: a second implementation of the format
need not reproduce the human-involvement method (the licence coverage rules, V13, are in
spec/licensing.md §3).

Today: the degree of human involvement, method ``provenote-hi/1`` (spec/human-involvement.md),
licence coverage (spec/licensing.md §3, verification.md V13) and pre-release screening
(spec/screening.md §7, verification.md V14).
"""

from verifier.analysis._involvement import (
    CATEGORIES,
    METHOD,
    RED_FLAGS,
    RETROSPECTIVE_US,
    Profile,
    analyse,
    release_class,
    subtract,
    union,
)
from verifier.analysis._licensing import (
    GENERATION_REASONS,
    USAGE_REASONS,
    Coverage,
    GenerationRow,
    LicenceRow,
    Party,
    Payment,
    UsageRow,
    analyse_licensing,
    day_of,
    released_lineage,
)
from verifier.analysis._screening import (
    MatchRow,
    ReleaseScreening,
    ScreeningReport,
    ScreeningRow,
    analyse_screening,
)

__all__ = [
    "CATEGORIES", "GENERATION_REASONS", "METHOD", "RED_FLAGS", "RETROSPECTIVE_US", "USAGE_REASONS", "Coverage",
    "GenerationRow", "LicenceRow", "MatchRow", "Party", "Payment", "Profile", "ReleaseScreening", "ScreeningReport", "ScreeningRow",
    "UsageRow", "analyse", "analyse_licensing", "analyse_screening", "day_of", "release_class", "released_lineage",
    "subtract", "union",
]
