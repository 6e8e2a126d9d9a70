"""The ``cxlab`` command: data generation, ingest and validation, notebook runs, refresh, schedule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    help="cxlab: customer-service analytics. Generate or ingest data, run notebooks, publish reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="Canonical tables: generate the synthetic workspace, ingest and validate exports.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

Workspace = Annotated[
    Optional[Path], typer.Option("--workspace", "-w", help="Workspace folder (default: current).")
]  # noqa: UP045


def _fail(exc: Exception, code: int = 2) -> None:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {exc}", markup=True, highlight=False
    )
    raise typer.Exit(code)


@data_app.command("generate")
def data_generate(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 7,
    size: Annotated[
        str, typer.Option(help="tiny (seconds), default (the demo), large (10M contacts).")
    ] = "default",
    country: Annotated[str, typer.Option(help="Holidays, regions and time zone: CN or US.")] = "CN",
    force: Annotated[
        bool, typer.Option(help="Simulate again even if this seed's raw export exists.")
    ] = False,
    workspace: Workspace = None,
) -> None:
    """Generate the synthetic workspace (with truth.json) and ingest it into the store."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cxlab import CxlabError
    from cxlab.data import generate

    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            transient=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task(f"generating {size} workspace (seed {seed})", total=None)
            result = generate(
                seed=seed,
                size=size,
                country=country,
                force=force,
                workspace=workspace,
                progress=lambda msg: bar.update(task, description=f"{size}: {msg}"),
            )
    except CxlabError as exc:
        _fail(exc)
    rows = ", ".join(f"{k} {v:,}" for k, v in result["rows"].items())
    typer.echo(f"generated {size} workspace (seed {seed}): {rows}")
    typer.echo(f"planted truth: {result['truth']}")


@data_app.command("ingest")
def data_ingest(
    path: Annotated[
        Path,
        typer.Argument(help="A CSV (UTF-8 or GBK), Parquet file, or DuckDB database with --query."),
    ],
    table: Annotated[
        str,
        typer.Option("--table", "-t", help="Canonical table: contacts, customers, surveys, ..."),
    ],
    query: Annotated[
        Optional[str], typer.Option(help="SQL to run on the DuckDB database PATH.")
    ] = None,  # noqa: UP045
    encoding: Annotated[
        Optional[str], typer.Option(help="Force a text encoding (default: UTF-8, then GBK).")
    ] = None,  # noqa: UP045
    mode: Annotated[
        str, typer.Option(help="replace the table, or replace only the months in the file.")
    ] = "replace",
    workspace: Workspace = None,
) -> None:
    """Validate an export and store it as month-partitioned parquet; refuse it whole if any rule breaks."""
    from cxlab import CxlabError
    from cxlab.data import ingest

    try:
        result = ingest(path, table, query=query, encoding=encoding, mode=mode, workspace=workspace)
    except CxlabError as exc:
        _fail(exc)
    typer.echo(
        f"stored {result['rows']:,} rows of {table} ({result['encoding']}) in {result['written_to']}"
    )


@data_app.command("validate")
def data_validate(
    path: Annotated[
        Path, typer.Argument(help="A CSV, Parquet file, or DuckDB database with --query.")
    ],
    table: Annotated[str, typer.Option("--table", "-t", help="Canonical table to check against.")],
    query: Annotated[
        Optional[str], typer.Option(help="SQL to run on the DuckDB database PATH.")
    ] = None,  # noqa: UP045
    encoding: Annotated[Optional[str], typer.Option(help="Force a text encoding.")] = None,  # noqa: UP045
) -> None:
    """Check an export against its canonical table without writing anything."""
    from cxlab import CxlabError
    from cxlab.data import read_source, validate

    try:
        frame, used = read_source(path, query=query, encoding=encoding)
        typed = validate(frame, table, source=path.name)
    except CxlabError as exc:
        _fail(exc)
    typer.echo(f"{path.name}: {typed.height:,} rows of {table} pass every rule ({used}).")


def main() -> None:  # pragma: no cover - the console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
