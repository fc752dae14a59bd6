"""Reports for people: the verdict as text for a terminal, and one self-contained HTML file (en,
zh) a lawyer can read and print. Pure: a :class:`verifier.Report` in, a string out."""

from verifier.render._html import render_html, resolve_zone
from verifier.render._text import inert, render_text

__all__ = ["inert", "render_html", "render_text", "resolve_zone"]
