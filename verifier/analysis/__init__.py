"""Policy over a verified bundle: what the signed record says about the people and the AI that
made the work. Not format: a second implementation of the format need not reproduce it.

Today: the degree of human involvement, method ``provenote-hi/1`` (spec/human-involvement.md).
"""

from verifier.analysis._involvement import CATEGORIES, METHOD, RED_FLAGS, Profile, analyse, subtract, union

__all__ = ["CATEGORIES", "METHOD", "RED_FLAGS", "Profile", "analyse", "subtract", "union"]
