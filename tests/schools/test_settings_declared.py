"""Every setting the site reads is declared in schooltrips/settings.py (or is Django's own), so
none hides behind a `getattr(settings, name, default)` that production can never see."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import global_settings

import schooltrips.settings as site_settings

ROOT = Path(__file__).resolve().parents[2]
NOT_SITE_CODE = {"tests", "bench", ".venv", "migrations", "node_modules", "staticfiles", "var"}


def _site_modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not NOT_SITE_CODE.intersection(path.relative_to(ROOT).parts)
    ]


def _settings_read(tree: ast.AST) -> tuple[set[str], list[int]]:
    names, getattr_lines = set(), []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "settings"
        ):
            names.add(node.attr)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
        ):
            getattr_lines.append(node.lineno)
    return names, getattr_lines


def test_the_site_reads_only_declared_settings():
    undeclared, defaulted = [], []
    modules = _site_modules()
    assert len(modules) > 50  # the walk found the apps
    for path in modules:
        names, getattr_lines = _settings_read(ast.parse(path.read_text(encoding="utf-8")))
        where = path.relative_to(ROOT)
        defaulted += [f"{where}:{line}" for line in getattr_lines]
        undeclared += [
            f"{where}: settings.{name}"
            for name in sorted(names)
            if name.isupper()
            and not hasattr(site_settings, name)
            and not hasattr(global_settings, name)
        ]
    assert undeclared == []
    assert defaulted == []
