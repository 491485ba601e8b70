"""Reading a transaction log (customer, date, amount) from a CSV file, with errors that name the row and column.

Only the standard library's csv module and NumPy: pandas is a development dependency, not a runtime one.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np


class TransactionFileError(ValueError):
    """The file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class TransactionLog:
    customer_ids: np.ndarray  # str
    dates: np.ndarray  # datetime64[D]
    amounts: np.ndarray  # float

    def __len__(self) -> int:
        return self.amounts.size


def _where(row: int, line: int, column: str) -> str:
    return f'row {row} (line {line}), column "{column}"'


def parse_date(text: str, date_format: str | None) -> date:
    """A date in ``date_format`` (strptime codes), or ISO 8601 (a date or a date and time) when it is None."""
    text = text.strip()
    if date_format:
        return datetime.strptime(text, date_format).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text).date()


def read_transactions_csv(
    path: str | Path,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    date_format: str | None = None,
) -> TransactionLog:
    """Read one purchase per row. Raises TransactionFileError for a missing or empty file, missing columns, and
    any customer id, date or amount that cannot be read (blank, unparseable, negative or not finite)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(64 * 1024)
            handle.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample.partition("\n")[0], delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(handle, dialect)
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise TransactionFileError(f"{path} is empty: expected a header row and one row per purchase")
            names = [cell.strip() for cell in header]
            positions = {}
            for option, column in (
                ("--customer-col", customer_col),
                ("--date-col", date_col),
                ("--amount-col", amount_col),
            ):
                if column not in names:
                    raise TransactionFileError(
                        f'{path} has no column "{column}" (set it with {option}); '
                        f"its columns are: {', '.join(names)}"
                    )
                positions[column] = names.index(column)
            i_id, i_date, i_amount = positions[customer_col], positions[date_col], positions[amount_col]
            needed = max(i_id, i_date, i_amount) + 1
            ids: list[str] = []
            date_texts: list[str] = []
            amount_texts: list[str] = []
            lines: list[int] = []
            for cells in reader:
                if not cells or not any(cell.strip() for cell in cells):
                    continue  # blank line
                row = len(ids) + 1
                if len(cells) < needed:
                    raise TransactionFileError(
                        f"{path}: row {row} (line {reader.line_num}) has {len(cells)} fields, "
                        f"fewer than the header's {len(names)}"
                    )
                customer = cells[i_id].strip()
                if not customer:
                    raise TransactionFileError(
                        f"{path}: {_where(row, reader.line_num, customer_col)} is empty"
                    )
                ids.append(customer)
                date_texts.append(cells[i_date])
                amount_texts.append(cells[i_amount])
                lines.append(reader.line_num)
    except FileNotFoundError:
        raise TransactionFileError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise TransactionFileError(f"{path} is a directory, not a CSV file") from None
    except UnicodeDecodeError as error:
        raise TransactionFileError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except csv.Error as error:
        raise TransactionFileError(f"{path} is not a readable CSV file: {error}") from None
    if not ids:
        raise TransactionFileError(f"{path} has a header but no transactions")

    dates = _parse_dates(path, date_texts, lines, date_col, date_format)
    amounts = _parse_amounts(path, amount_texts, lines, amount_col)
    return TransactionLog(customer_ids=np.array(ids, dtype=object), dates=dates, amounts=amounts)


def _parse_dates(path, texts, lines, column, date_format) -> np.ndarray:
    # Dates repeat a lot: parse each distinct text once.
    distinct, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
    parsed = np.empty(distinct.size, dtype="datetime64[D]")
    for i, text in enumerate(distinct):
        try:
            parsed[i] = np.datetime64(parse_date(text, date_format), "D")
        except ValueError:
            row = int(np.flatnonzero(inverse == i)[0])
            expected = (
                f'the format "{date_format}"'
                if date_format
                else "ISO format YYYY-MM-DD (or set --date-format)"
            )
            raise TransactionFileError(
                f'{path}: {_where(row + 1, lines[row], column)}: cannot read "{text}" as a date in {expected}'
            ) from None
    return parsed[inverse.ravel()]


def _parse_amounts(path, texts, lines, column) -> np.ndarray:
    try:
        amounts = np.array(texts, dtype=float)
        bad = ~np.isfinite(amounts) | (amounts < 0)
    except ValueError:
        amounts, bad = None, None
    if bad is None or bad.any():
        for row, text in enumerate(texts):
            try:
                value = float(text)
            except ValueError:
                raise TransactionFileError(
                    f'{path}: {_where(row + 1, lines[row], column)}: cannot read "{text}" as a number'
                ) from None
            if not math.isfinite(value):
                raise TransactionFileError(
                    f'{path}: {_where(row + 1, lines[row], column)}: "{text}" is not a finite amount'
                )
            if value < 0:
                raise TransactionFileError(
                    f"{path}: {_where(row + 1, lines[row], column)}: the amount {text.strip()} is negative "
                    "(refunds are not purchases; leave them out or net them into the purchase)"
                )
    return amounts
