"""Internals of the verifier; not a public API."""
