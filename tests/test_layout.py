"""The house shows its architecture (spec/adr/0004): no import of a private module across
packages, no cycle between packages, the writer imports only the format core's public face, the
verifier never imports the writer, the CLI, lmdb or click, and the installed names are ours."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("verifier", "ledger", "cli")
SOURCES = ("verifier", "ledger", "cli", "bench", "spec/vectors", "tests")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imports() -> list[tuple[Path, str, str]]:
    """(file, importing module, imported module) for every absolute import of a project module."""
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = _module_of(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                    found += [(path, module, n) for n in names if n.split(".")[0] in PROJECT
                              and _is_module(n)]
                elif isinstance(node, ast.Import):
                    found += [(path, module, a.name) for a in node.names if a.name.split(".")[0] in PROJECT]
    return found


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _package(name: str) -> str:
    base = ROOT.joinpath(*name.split("."))
    return name if (base / "__init__.py").is_file() else name.rpartition(".")[0]


def test_no_private_module_is_imported_across_packages() -> None:
    crossings = []
    for path, importer, imported in imports():
        importer_package = _package_of(importer, path)
        target_package = _package(imported)
        private = any(part.startswith("_") and part != "__init__" for part in imported.split("."))
        if private and target_package != importer_package:
            crossings.append(f"{path.relative_to(ROOT)}: {imported}")
    assert crossings == []


def test_packages_import_each_other_without_a_cycle() -> None:
    edges: dict[str, set[str]] = {}
    for path, importer, imported in imports():
        if importer.split(".")[0] not in PROJECT or path.name == "__main__.py":  # entry points: imported by none
            continue
        source, target = _package_of(importer, path), _package(imported)
        if source != target:
            edges.setdefault(source, set()).add(target)
    seen: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, f"import cycle: {' -> '.join((*trail, node))}"
        if seen.get(node) == 2:
            return
        for nxt in sorted(edges.get(node, ())):
            visit(nxt, (*trail, node))
        seen[node] = 2

    for node in sorted(edges):
        visit(node, ())


def test_each_package_imports_only_what_the_layout_allows() -> None:
    allowed = {
        "verifier.format": {"verifier.format"},
        "verifier.analysis": {"verifier.format", "verifier.analysis"},
        "verifier": {"verifier", "verifier.format", "verifier.analysis"},
        "verifier.cli": {"verifier", "verifier.cli", "verifier.format", "verifier.render"},
        "verifier.render": {"verifier", "verifier.format", "verifier.analysis", "verifier.render"},
        "ledger": {"ledger", "verifier.format"},
    }
    wrong = []
    for path, importer, imported in imports():
        if path.name == "__main__.py":  # an entry point: ``python -m verifier`` runs the CLI
            continue
        package = _package_of(importer, path)
        if package in allowed and _package(imported) not in allowed[package]:
            wrong.append(f"{path.relative_to(ROOT)}: {imported}")
    assert wrong == []


def test_the_verifier_never_imports_the_writer_or_its_libraries() -> None:
    for path in sorted((ROOT / "verifier").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in ("ledger", "cli", "lmdb", "click"), f"{path}: {name}"


def test_no_other_distribution_provides_our_top_level_names() -> None:
    """ADR 0004: the names stay `verifier`, `ledger`, `cli`; nothing else installed here owns them,
    and they resolve to this checkout."""
    owners = importlib.metadata.packages_distributions()
    for name in PROJECT:
        others = set(owners.get(name, [])) - {"provenote"}
        assert others == set(), f"{name} is also provided by {others}"
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        assert Path(spec.origin).resolve().is_relative_to(ROOT)
