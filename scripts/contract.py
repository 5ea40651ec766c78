"""The raw-data contract as declared in the sources YAML (models/staging/*/_*__sources.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ContractColumn:
    name: str
    data_type: str
    required: bool


@dataclass(frozen=True)
class RawSource:
    """One raw directory: `<raw_data_dir>/<directory>/**/*.parquet`."""

    directory: str
    columns: tuple[ContractColumn, ...]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def raw_sources(repo_root: Path = REPO_ROOT) -> dict[str, RawSource]:
    """{directory: RawSource} for every source table with meta.raw_dir, in a stable order."""
    found: dict[str, RawSource] = {}
    for path in sorted((repo_root / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                directory = table.get("meta", {}).get("raw_dir")
                if not directory:
                    continue
                columns = tuple(
                    ContractColumn(c["name"], c["data_type"], c.get("meta", {}).get("required", True))
                    for c in table["columns"]
                )
                found[directory] = RawSource(directory, columns)
    return dict(sorted(found.items()))


def parquet_files(raw_dir: Path, source: RawSource) -> list[Path]:
    return sorted((raw_dir / source.directory).glob("**/*.parquet"))
