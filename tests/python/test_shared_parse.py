"""The test builds share one dbt parse (shared_parse/sitecustomize.py), keyed without a few vars that
only execution reads. That holds only while nothing dbt resolves at parse time uses them: no YAML
(configs, tests, descriptions rendered by dbt), no config() call, no ref() or source() chosen by them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent / "shared_parse"))
from sitecustomize import EXECUTION_ONLY_VARS  # noqa: E402


def var_calls(text: str, name: str) -> list[str]:
    return re.findall(r"var\(\s*['\"]" + re.escape(name) + r"['\"]", text)


def test_execution_only_vars_are_in_no_yaml_file() -> None:
    yaml_files = [REPO_ROOT / "dbt_project.yml", *REPO_ROOT.glob("models/**/*.yml"), *REPO_ROOT.glob("seeds/**/*.yml")]
    used = [(path.name, name) for path in yaml_files for name in EXECUTION_ONLY_VARS
            if [call for call in re.findall(r"\{\{.*?\}\}", path.read_text(), flags=re.S) if var_calls(call, name)]]
    assert used == []


def test_execution_only_vars_choose_no_config_ref_or_source() -> None:
    sql_files = [*REPO_ROOT.glob("models/**/*.sql"), *REPO_ROOT.glob("models/**/*.py"), *REPO_ROOT.glob("macros/**/*.sql")]
    used = []
    for path in sql_files:
        text = path.read_text()
        for name in EXECUTION_ONLY_VARS:
            for call in re.finditer(r"config\((.*?)\)\s*\}\}", text, flags=re.S):
                if var_calls(call.group(1), name):
                    used.append((path.name, name, "config"))
            # an {% if %} on the var around a ref() or source() changes the model's dependencies
            for block in re.finditer(r"\{%-?\s*if\b(.*?)%\}(.*?)\{%-?\s*endif", text, flags=re.S):
                if var_calls(block.group(1), name) and re.search(r"\b(ref|source)\(", block.group(2)):
                    used.append((path.name, name, "if around ref/source"))
    assert used == []


def test_the_check_finds_a_var_in_a_config_call() -> None:
    text = "{{ config(materialized=var('store_timezone')) }}"
    assert var_calls(re.search(r"config\((.*?)\)\s*\}\}", text, flags=re.S).group(1), "store_timezone")
