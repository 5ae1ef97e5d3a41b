"""Reading a history file in bounded chunks, with the user's column mapping applied.

Why chunks: an ERP export can be larger than memory. CSV/TSV/text go through pandas'
chunked reader with every cell kept as text (no type guessing: "00042" stays "00042", and
money is parsed exactly later); Parquet is read batch by batch through pyarrow, row group by
row group, keeping its column types.

Row numbers count data rows from 1 in file order (the header is not a row; pandas skips
blank lines and does not count them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import pandas as pd
import pyarrow.parquet as pq

FORMATS = ("csv", "tsv", "txt", "parquet")
_SEPARATORS = {"csv": ",", "tsv": "\t", "txt": r"\s+"}


class ReplayInputError(ValueError):
    """The file as a whole cannot be read as asked (unknown format, missing or mapped columns)."""


def detect_format(path: Path, forced: str | None = None) -> str:
    """``forced`` if given, else by extension: .csv, .tsv, .txt (whitespace separated), .parquet/.pq."""
    if forced:
        return forced
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"pq": "parquet"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise ReplayInputError(f"cannot tell the format of {path.name!r} from its extension; use --format {'|'.join(FORMATS)}")
    return fmt


@dataclass(frozen=True, slots=True)
class NumberedRow:
    number: int
    values: Mapping[str, object]


@dataclass
class TableReader:
    """Iterates a file as chunks of numbered rows whose keys are contract field names."""

    path: Path
    fmt: str
    chunk_size: int = 50_000
    mapping: Mapping[str, str] = field(default_factory=dict)
    """contract field -> column name in the file"""
    done: int = 0
    """Progress in ``total`` units: bytes for text files, rows for Parquet."""
    total: int = 0

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ReplayInputError("--chunk-size must be >= 1")
        file_columns = self._file_columns()
        missing = sorted(column for column in self.mapping.values() if column not in file_columns)
        if missing:
            raise ReplayInputError(f"--map names columns not in the file: {', '.join(missing)} "
                                   f"(the file has: {', '.join(file_columns)})")
        renamed = {column: fieldname for fieldname, column in self.mapping.items()}
        shadowed = {fieldname for fieldname in self.mapping if fieldname not in renamed}
        self._renames = [(column, renamed.get(column, column)) for column in file_columns
                         if column in renamed or column not in shadowed]
        self.fields = tuple(fieldname for _, fieldname in self._renames)

    def _file_columns(self) -> list[str]:
        if self.fmt == "parquet":
            parquet = pq.ParquetFile(self.path)
            self.total = parquet.metadata.num_rows
            return list(parquet.schema_arrow.names)
        self.total = self.path.stat().st_size
        header = pd.read_csv(self.path, sep=_SEPARATORS[self.fmt], nrows=0, encoding="utf-8-sig")
        return [str(column) for column in header.columns]

    def chunks(self) -> Iterator[list[NumberedRow]]:
        number = 0
        for columns in self._column_chunks():
            rows = []
            for values in zip(*columns):
                number += 1
                rows.append(NumberedRow(number, dict(zip(self.fields, values))))
            yield rows

    def _column_chunks(self) -> Iterator[list[list[object]]]:
        """Each chunk as one Python list per column, in ``self._renames`` order."""
        names = [column for column, _ in self._renames]
        if self.fmt == "parquet":
            parquet = pq.ParquetFile(self.path)
            for batch in parquet.iter_batches(batch_size=self.chunk_size, columns=names):
                self.done += batch.num_rows
                yield [batch.column(name).to_pylist() for name in names]
            return
        with self.path.open("rb") as handle:
            reader = pd.read_csv(
                handle, sep=_SEPARATORS[self.fmt], dtype=str, keep_default_na=False, na_filter=False,
                chunksize=self.chunk_size, encoding="utf-8-sig", usecols=names,
            )
            with reader:
                try:
                    for frame in reader:
                        self.done = handle.tell()
                        yield [frame[name].tolist() for name in names]
                except pd.errors.ParserError as error:
                    raise ReplayInputError(f"{self.path.name} is malformed after the rows read so far: {error}") from None
            self.done = self.total
