"""The few statements that differ between SQLite and PostgreSQL, side by side.

Every repository writes its SQL once: `?` placeholders and portable SQL (`ON CONFLICT …
DO NOTHING` / `DO UPDATE`, `RETURNING id`, `CAST(? AS TEXT)` where a parameter's type is
not otherwise known, `"right"` quoted since PostgreSQL reserves it, table-qualified columns
on the right of an upsert's SET). What cannot be written once is here, one method per
difference, with the SQLite form and the PostgreSQL form next to each other:

| difference                    | SQLite                         | PostgreSQL               |
|-------------------------------|--------------------------------|--------------------------|
| placeholders                  | `?`                            | `$1, $2, …` (translated) |
| many two-part keys (`pairs`)  | `(VALUES (?, ?), …) AS v`      | `unnest(?::T[], ?::T[])` |
| joining from those keys       | `CROSS JOIN` (keeps key order) | `JOIN`                   |
| `column IN` a list (`any_of`) | `IN (?, ?, …)`                 | `= ANY(?)`, one array    |
| many rows to write (`rows`)   | `(VALUES (?, …)) AS v`, a run  | `unnest(?::T[], …)`: one |
|                               | of the statement per row       | statement, array per col |
| drop a JSON list's element    | `json_remove(col, '$[i]')`     | `(col::jsonb - i)::text` |
| a JSON list's element as text | `json_extract(col, '$[i]')`    | `col::jsonb ->> i`       |

The rest lives with its driver: `PRAGMA user_version` (SQLite) against a `schema_version`
table (PostgreSQL), `BEGIN IMMEDIATE` against `BEGIN` plus an advisory lock for
transactions that read before they write, `WITHOUT ROWID` and `INTEGER PRIMARY KEY`
against plain primary keys and identity columns in each migration set.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence


class Dialect:
    name: str
    # Keys per `pairs` statement.
    pairs_per_query: int
    # How `rows_for_pairs` joins the keys' list to a table.
    key_join: str

    def placeholders(self, sql: str) -> str:
        raise NotImplementedError

    def pairs(self, first: Sequence[object], second: Sequence[object]) -> tuple[str, list[object]]:
        """A FROM-clause source `v` of (column1, column2) rows, and its parameters."""
        raise NotImplementedError

    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        """A condition true when `column` is one of `values`, and its parameters."""
        raise NotImplementedError

    def rows(
        self, types: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> tuple[str, list[Sequence[object]]]:
        """A FROM-clause source `v` of `rows` (columns `column1`, `column2`, … of SQL `types`),
        and the parameter sets to run the statement with, one run each."""
        raise NotImplementedError

    def json_list_without(self, column: str) -> str:
        """The JSON list in `column` without the element at the index given by one `?`."""
        raise NotImplementedError

    def json_list_item(self, column: str) -> str:
        """The text element at the index given by one `?` of the JSON list in `column`."""
        raise NotImplementedError


class SQLiteDialect(Dialect):
    name = "sqlite"
    # 1,000 parameters per statement, well under SQLite's limit.
    pairs_per_query = 500
    # `(a, b) IN (VALUES ...)` reads the same but SQLite ran it as a scan of the whole table;
    # a CROSS JOIN keeps the keys first, so each key is one index search.
    key_join = "CROSS JOIN"

    def placeholders(self, sql: str) -> str:
        return sql

    def pairs(self, first: Sequence[object], second: Sequence[object]) -> tuple[str, list[object]]:
        values = ", ".join("(?, ?)" for _ in first)
        params = [value for pair in zip(first, second, strict=True) for value in pair]
        return f"(VALUES {values}) AS v", params

    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    def rows(
        self, types: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> tuple[str, list[Sequence[object]]]:
        # In-process: a statement per row costs no round trip, and executemany reuses it.
        return f"(VALUES ({', '.join('?' for _ in types)})) AS v", list(rows)

    def json_list_without(self, column: str) -> str:
        return f"json_remove({column}, '$[' || ? || ']')"

    def json_list_item(self, column: str) -> str:
        return f"json_extract({column}, '$[' || ? || ']')"


class PostgresDialect(Dialect):
    name = "postgresql"
    # Two array parameters whatever the count: one statement per batch.
    pairs_per_query = 10_000
    # PostgreSQL plans the join from the unnest's estimate; CROSS JOIN takes no ON there.
    key_join = "JOIN"

    def placeholders(self, sql: str) -> str:
        return _numbered(sql)

    def pairs(self, first: Sequence[object], second: Sequence[object]) -> tuple[str, list[object]]:
        return (
            f"unnest(CAST(? AS {_array_type(first)}), CAST(? AS {_array_type(second)}))"
            " AS v (column1, column2)",
            [list(first), list(second)],
        )

    def any_of(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} = ANY(CAST(? AS {_array_type(values)}))", [list(values)]

    def rows(
        self, types: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> tuple[str, list[Sequence[object]]]:
        # One statement for all: each row of an executemany is a statement of its own for
        # the server (executor start-up, a plan lookup), most of a batch's time.
        arrays = ", ".join(f"CAST(? AS {sql_type}[])" for sql_type in types)
        names = ", ".join(f"column{n}" for n in range(1, len(types) + 1))
        columns = [list(column) for column in zip(*rows, strict=True)]
        return f"unnest({arrays}) AS v ({names})", [columns]

    def json_list_without(self, column: str) -> str:
        return f"(CAST({column} AS jsonb) - CAST(? AS INTEGER))::text"

    def json_list_item(self, column: str) -> str:
        return f"(CAST({column} AS jsonb) ->> CAST(? AS INTEGER))"


def _array_type(values: Sequence[object]) -> str:
    return "BIGINT[]" if all(isinstance(value, int) for value in values) else "TEXT[]"


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """`?` → `$1, $2, …`, leaving quoted text, quoted names and comments alone."""
    out: list[str] = []
    number = 0
    i, length = 0, len(sql)
    while i < length:
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < length:
                if sql[end] == char:
                    if end + 1 < length and sql[end + 1] == char:  # '' or "" inside
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = length if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif char == "?":
            number += 1
            out.append(f"${number}")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


SQLITE = SQLiteDialect()
POSTGRES = PostgresDialect()
