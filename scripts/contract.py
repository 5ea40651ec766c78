"""The raw-data contract as declared in the sources YAML (models/staging/*/_*__sources.yml)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ContractColumn:
    name: str
    data_type: str
    required: bool
    # its name in the files when that differs (meta.file_column: Shopify's "Financial Status")
    file_column: str | None = None
    # not in the files at all (a column-map key mapped to null): a typed null
    absent: bool = False
    # a var that, when set, makes a mapped column optional (meta.optional_when_var: orders_file_currency)
    optional_when_var: str | None = None

    @property
    def read_from(self) -> str | None:
        """The file column this column is read from; None when it is absent."""
        return None if self.absent else (self.file_column or self.name)


@dataclass(frozen=True)
class RawSource:
    """One raw directory: `<raw_data_dir>/<directory>/**/*.<format>` for each of its formats."""

    directory: str
    columns: tuple[ContractColumn, ...]
    formats: tuple[str, ...] = ("parquet",)
    # a var mapping each column to the file column it is read from (orders_file_columns)
    column_map_var: str | None = None

    @property
    def required_columns(self) -> list[str]:
        """The required columns by their names in the files."""
        return [c.read_from for c in self.columns if c.required and c.read_from]

    def with_column_map(self, dbt_vars: dict[str, object] | None = None) -> RawSource:
        """The source with its column map applied (a key mapped to null is absent, a mapped one
        required unless its optional_when_var is set), from dbt_vars or else the vars' defaults in
        dbt_project.yml, as the hook reads them."""
        if not self.column_map_var:
            return self
        column_map = project_var(self.column_map_var, dbt_vars)
        columns = tuple(
            replace(c, file_column=column_map.get(c.name),
                    required=column_map.get(c.name) is not None
                    and not (c.optional_when_var and project_var(c.optional_when_var, dbt_vars)),
                    absent=column_map.get(c.name) is None)
            for c in self.columns
        )
        return replace(self, columns=columns)


def project_var(name: str, dbt_vars: dict[str, object] | None = None):
    """A dbt var as a build sees it: the value passed (dbt_vars) or its default in dbt_project.yml."""
    if dbt_vars and name in dbt_vars:
        return dbt_vars[name]
    return yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"][name]


def raw_sources(repo_root: Path = REPO_ROOT, dbt_vars: dict[str, object] | None = None) -> dict[str, RawSource]:
    """{directory: RawSource} for every source table with meta.raw_dir, in a stable order, column
    maps applied (from dbt_vars, else the defaults)."""
    found: dict[str, RawSource] = {}
    for path in sorted((repo_root / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                meta = table.get("meta", {})
                directory = meta.get("raw_dir")
                if not directory:
                    continue
                columns = tuple(
                    ContractColumn(c["name"], c["data_type"], c.get("meta", {}).get("required", True),
                                   c.get("meta", {}).get("file_column"),
                                   optional_when_var=c.get("meta", {}).get("optional_when_var"))
                    for c in table["columns"]
                )
                raw = RawSource(directory, columns, tuple(meta.get("formats", ["parquet"])), meta.get("column_map_var"))
                found[directory] = raw.with_column_map(dbt_vars)
    return dict(sorted(found.items()))


def raw_files(raw_dir: Path, source: RawSource, file_format: str) -> list[Path]:
    """The source's files of one format ("parquet", "csv"); none when it does not read that format."""
    if file_format not in source.formats:
        return []
    return sorted((raw_dir / source.directory).glob(f"**/*.{file_format}"))


def parquet_files(raw_dir: Path, source: RawSource) -> list[Path]:
    return raw_files(raw_dir, source, "parquet")


def csv_files(raw_dir: Path, source: RawSource) -> list[Path]:
    return raw_files(raw_dir, source, "csv")


def ndjson_files(raw_dir: Path, source: RawSource) -> list[Path]:
    """Newline-delimited JSON files (*.ndjson, *.json) of a source that reads ndjson (GA4)."""
    if "ndjson" not in source.formats:
        return []
    directory = raw_dir / source.directory
    return sorted([*directory.glob("**/*.ndjson"), *directory.glob("**/*.json")])


def is_nested_type(data_type: str) -> bool:
    """A declared struct / array type (Spark/Hive syntax: array<struct<key:string>>)."""
    return "<" in data_type


def duckdb_type(data_type: str) -> str:
    """A contract data_type as DuckDB spells it: array<struct<a:string>> -> struct(a string)[]
    (as macro duckdb__raw_column_type does for the raw views)."""
    out, word, stack = "", "", []
    for character in data_type:
        if character == "<":
            if word.lower() == "array":
                stack.append("array")
            else:
                out += word + "("
                stack.append("struct")
            word = ""
        elif character == ">":
            out += word + (")" if stack.pop() == "struct" else "[]")
            word = ""
        elif character == ":":
            out, word = out + word + " ", ""
        elif character == ",":
            out, word = out + word + ", ", ""
        elif character != " ":
            word += character
    return out + word
