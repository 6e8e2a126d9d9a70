"""The ``cxlab`` command: data generation, ingest and validation, notebook runs, refresh, schedule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

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


def _version(value: bool) -> None:
    if value:
        from cxlab._version import version

        typer.echo(f"cxlab {version()}")
        raise typer.Exit()


@app.callback()
def _app(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """cxlab: customer-service analytics. Generate or ingest data, run notebooks, publish reports."""


def _existing(value: Path | None) -> Path | None:
    from cxlab import CxlabError
    from cxlab._config import check_workspace

    try:
        return check_workspace(value)
    except CxlabError as exc:
        raise typer.BadParameter(str(exc)) from None


def _new_or_existing(value: Path | None) -> Path | None:
    from cxlab import CxlabError
    from cxlab._config import check_workspace

    try:
        return check_workspace(value, new=True)
    except CxlabError as exc:
        raise typer.BadParameter(str(exc)) from None


Workspace = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        callback=_existing,
        help="Workspace folder (default: current); it must exist.",
    ),
]
NewWorkspace = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        callback=_new_or_existing,
        help="Workspace folder (default: current); a new one is made if its parent exists.",
    ),
]


def _fail(exc: Exception, code: int = 2) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, emoji=False
    )
    raise typer.Exit(code)


@data_app.command("generate")
def data_generate(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 7,
    size: Annotated[
        str,
        typer.Option(
            help="tiny (seconds), default (the demo), large (10M contacts), xlarge (100M "
            "contacts: about 22 minutes, 9 GB of memory, 6 GB of disk)."
        ),
    ] = "default",
    country: Annotated[str, typer.Option(help="Holidays, regions and time zone: CN or US.")] = "CN",
    force: Annotated[
        bool, typer.Option(help="Simulate again even if this seed's raw export exists.")
    ] = False,
    workspace: NewWorkspace = None,
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
        str | None,
        typer.Argument(
            metavar="PATH_OR_URL",
            help="A CSV (UTF-8 or GBK), Parquet file, DuckDB database with --query, or a "
            "postgresql://user@host:5432/db URL (no password: libpq reads PGPASSWORD, "
            "PGPASSFILE or ~/.pgpass).",
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option("--table", "-t", help="Canonical table: contacts, customers, surveys, ..."),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            help="SQL to run on the DuckDB database PATH, or a table name or SELECT on the "
            "PostgreSQL URL (default: the table's own name)."
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Read a table named under \\[sources] in cxlab.toml, or all of them "
            "(customers before contacts), instead of PATH_OR_URL.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL: read the months from this one on (2026-03, or a date: its month) "
            "and replace those the source holds; other stored months are kept."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Force a text encoding (default: UTF-8, then GBK).")
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="replace the table, or replace only the months in the file (default: replace; "
            "from PostgreSQL, months for a stored table with a timestamp)."
        ),
    ] = None,
    workspace: Workspace = None,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="A mapping YAML from the source's columns to the table's."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show the first mapped rows and broken rules; write nothing."
        ),
    ] = False,
    allow_partial_months: Annotated[
        bool,
        typer.Option(
            "--allow-partial-months",
            help="With --mode months, replace a month even if the file holds under half of its "
            "stored rows.",
        ),
    ] = False,
    allow_unknown_customers: Annotated[
        bool,
        typer.Option(
            "--allow-unknown-customers",
            help="Store rows whose customer_id is not in the stored customers table.",
        ),
    ] = False,
) -> None:
    """Validate an export and store it as month-partitioned parquet; refuse it whole if any rule breaks."""
    from cxlab import CxlabError
    from cxlab._config import settings
    from cxlab._masking import mask_id, masking_in
    from cxlab.data import (
        TABLES,
        apply_mapping,
        check_export,
        extra_columns,
        ingest,
        ingest_postgres,
        ingest_sources,
        load_mapping,
        months_plan,
        read_source,
    )

    url = path is not None and path.strip().lower().startswith(("postgresql://", "postgres://"))
    if source is not None or url:
        if (source is None) == (path is None) or (source is None and table is None):
            _fail(
                ValueError(
                    "give either a postgresql:// URL with --table, or --source TABLE|all "
                    "(the [sources] of cxlab.toml), not both."
                )
            )
        if source is not None and (query is not None or map_file is not None):
            _fail(
                ValueError(
                    "--query and --map go with a postgresql:// URL; with --source they are read "
                    "from the table's entry under [sources] in cxlab.toml."
                )
            )
        common = dict(
            since=since,
            mode=mode,
            workspace=workspace,
            allow_partial_months=allow_partial_months,
            allow_unknown_customers=allow_unknown_customers,
            dry_run=dry_run,
        )
        try:
            if source is not None:
                results = ingest_sources(source, **common)
            else:
                results = [ingest_postgres(path, table, query=query, mapping=map_file, **common)]
        except CxlabError as exc:
            _fail(exc)
        for result in results:
            _echo_dropped(result["dropped"], result["table"])
            months = [c["month"] for c in result["chunks"] if c["month"]]
            if months:
                typer.echo(
                    f"{result['table']}: read {len(months)} month(s) one at a time, "
                    f"{months[0]} to {months[-1]}"
                )
            if "plan" in result:
                typer.echo(f"{result['table']}: {result['plan']}")
            if not result["rows"] and not months:  # --since with nothing new: the plan said so
                continue
            verb = "checked" if dry_run else "stored"
            typer.echo(
                f"{verb} {result['rows']:,} rows of {result['table']} from {result['source']}"
                + ("" if dry_run else f" in {result['written_to']}")
            )
        if dry_run:
            typer.echo("dry run: every rule passes; nothing was written.")
        return
    if path is None or table is None:
        _fail(ValueError("give a file (PATH) and --table, a postgresql:// URL, or --source."))
    if since is not None:
        _fail(ValueError("--since reads months from a PostgreSQL source; use --mode months."))
    path = Path(path)
    mode = mode or "replace"

    if dry_run:
        from cxlab._present import scrub_text

        try:
            rules = None if map_file is None else load_mapping(map_file, table)
            frame, used = read_source(path, query=query, encoding=encoding)
            if rules is not None:
                frame = apply_mapping(frame, rules, source=path.name)
            ws = settings(workspace)
        except CxlabError as exc:
            _fail(exc)
        typer.echo(f"{path.name}: {frame.height:,} rows ({used}); the first mapped rows:")
        masked = TABLES[table].masked if table in TABLES else ()
        for number, row in enumerate(frame.head(3).iter_rows(named=True), start=1):
            with masking_in(ws):
                shown = {  # ids masked, personal data in free text replaced
                    k: mask_id(str(v))
                    if k in masked and v is not None
                    else scrub_text(v)
                    if isinstance(v, str)
                    else v
                    for k, v in row.items()
                }
            typer.echo(f"row {number}: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
        try:
            _echo_dropped(extra_columns(frame, table), table)
            typed = check_export(
                frame,
                table,
                source=path.name,
                workspace=ws,
                allow_unknown_customers=allow_unknown_customers,
            )
            if mode == "months":
                plan = months_plan(
                    typed,
                    table,
                    source=path.name,
                    workspace=ws,
                    allow_partial_months=allow_partial_months,
                )
                typer.echo(plan.describe())
        except CxlabError as exc:
            typer.echo(f"rule failures: {exc}")
            typer.echo("dry run: nothing was written.")
            raise typer.Exit(1) from None
        typer.echo(f"every rule of {table} passes; dry run: nothing was written.")
        return
    try:
        result = ingest(
            path,
            table,
            query=query,
            encoding=encoding,
            mode=mode,
            workspace=workspace,
            mapping=map_file,
            allow_partial_months=allow_partial_months,
            allow_unknown_customers=allow_unknown_customers,
        )
    except CxlabError as exc:
        _fail(exc)
    _echo_dropped(result["dropped"], table)
    if "plan" in result:
        typer.echo(result["plan"])
    typer.echo(
        f"stored {result['rows']:,} rows of {table} ({result['encoding']}) in {result['written_to']}"
    )


def _echo_dropped(columns: list[str], table: str) -> None:
    if columns:
        names = ", ".join(repr(c) for c in columns)
        typer.echo(f"not stored: column(s) {names} (not columns of the {table} table)")


@data_app.command("map")
def data_map(
    path: Annotated[Path, typer.Argument(help="A CSV (UTF-8 or GBK) or Parquet export.")],
    table: Annotated[str, typer.Option("--table", "-t", help="Canonical table to map onto.")],
    encoding: Annotated[Optional[str], typer.Option(help="Force a text encoding.")] = None,  # noqa: UP045
) -> None:
    """Print a proposed mapping YAML from the export's headers, to edit and pass to ingest --map."""
    from cxlab import CxlabError
    from cxlab._config import settings
    from cxlab.data import propose_mapping, read_source

    try:
        frame, _used = read_source(path, encoding=encoding)
        text = propose_mapping(frame, table, source=path.name, time_zone=settings().time_zone)
    except CxlabError as exc:
        _fail(exc)
    typer.echo(text, nl=False)


SAMPLES = {"bank_calls": "bank_calls_export"}
"""Real public exports shipped by PyPI packages, written as they come (see ``cxlab.data``)."""


@data_app.command("sample")
def data_sample(
    name: Annotated[str, typer.Argument(help="The export: bank_calls.")],
    to: Annotated[Path, typer.Option("--to", help="The CSV file to write (not overwritten).")],
) -> None:
    """Write a real public export as it is shipped (bank_calls: a bank's five-minute call report)."""
    import cxlab.data

    if name not in SAMPLES:
        _fail(f"no sample export {name!r}; known: {', '.join(SAMPLES)}.")
    if to.exists():
        _fail(f"{to} exists; give a new file (an export is never overwritten).")
    frame = getattr(cxlab.data, SAMPLES[name])()
    to.parent.mkdir(parents=True, exist_ok=True)
    partial = to.with_name(to.name + ".partial")
    frame.write_csv(partial)
    partial.replace(to)
    typer.echo(f"wrote {frame.height:,} rows of {name} to {to}")


@data_app.command("validate")
def data_validate(
    path: Annotated[
        Path, typer.Argument(help="A CSV, Parquet file, or DuckDB database with --query.")
    ],
    table: Annotated[str, typer.Option("--table", "-t", help="Canonical table to check against.")],
    query: Annotated[
        str | None, typer.Option(help="SQL to run on the DuckDB database PATH.")
    ] = None,
    encoding: Annotated[Optional[str], typer.Option(help="Force a text encoding.")] = None,  # noqa: UP045
    workspace: Workspace = None,
) -> None:
    """Check an export against its canonical table (and the workspace's store) without writing anything."""
    from cxlab import CxlabError
    from cxlab._config import settings
    from cxlab.data import check_export, read_source

    try:
        frame, used = read_source(path, query=query, encoding=encoding)
        typed = check_export(frame, table, source=path.name, workspace=settings(workspace))
    except CxlabError as exc:
        _fail(exc)
    typer.echo(f"{path.name}: {typed.height:,} rows of {table} pass every rule ({used}).")


_PAIR = "\0"  # joins NAME and VALUE of one -p pair; a shell argument never contains it
_PARAMETER_FLAGS = ("-p", "--parameter")
_OLD_FLAG = "--parameters"  # the spelling read before the option was declared; still read


class _PairedParameters(TyperCommand):
    """A command whose ``-p NAME VALUE`` option takes two words, repeatable.

    typer has no repeatable two-word option, so each pair is joined into one word before click
    parses the line; the command splits it again (:func:`_pairs`). ``--help`` shows the option.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        rest, joined = list(args), []
        while rest:
            word = rest.pop(0)
            if word == "--":
                joined += [word, *rest]
                break
            if word == _OLD_FLAG:
                word = "--parameter"
            if word in _PARAMETER_FLAGS:
                if len(rest) < 2:
                    raise typer.BadParameter(
                        f"takes two words, a parameter name and its value (-p NAME VALUE); "
                        f"got {' '.join([word, *rest])!r}",
                        ctx=ctx,
                        param_hint=word,
                    )
                joined += [word, rest.pop(0) + _PAIR + rest.pop(0)]
            else:
                joined.append(word)
        return super().parse_args(ctx, joined)


Parameters = Annotated[
    list[str] | None,
    typer.Option(
        *_PARAMETER_FLAGS[::-1],
        metavar="NAME VALUE",
        show_default=False,
        help="A notebook parameter; repeat for more: -p language en -p period 2026-10.",
    ),
]
Language = Annotated[
    list[str] | None,
    typer.Option(
        *_PARAMETER_FLAGS[::-1],
        metavar="NAME VALUE",
        show_default=False,
        help="Only -p language zh|en: write every report in that language.",
    ),
]


def _pairs(parameters: list[str] | None) -> dict[str, str]:
    """``-p NAME VALUE`` pairs (joined by :class:`_PairedParameters`) as a dict."""
    return dict(p.split(_PAIR, 1) for p in parameters or [])


@app.command("run", cls=_PairedParameters)
def run(
    notebook: Annotated[
        str, typer.Argument(help="Notebook name (service_review, 00_service_review) or path.")
    ],
    parameters: Parameters = None,
    cell_timeout: Annotated[float, typer.Option(help="Seconds any one cell may take.")] = 600,
    timeout: Annotated[float, typer.Option(help="Seconds the whole run may take.")] = 1800,
    workspace: Workspace = None,
) -> None:
    """Run one notebook with its parameters and publish its report if it ran completely.

    Give each parameter as -p NAME VALUE. Every notebook takes -p language zh|en (default: the workspace's language).

    Exit codes: 0 published (or the workspace needs data); 1 the run failed, the last good report is
    kept; 2 bad usage or input; 75 another run holds the lock, nothing ran (try again later).
    """
    from cxlab import CxlabError
    from cxlab.runner import EXIT_BUSY, EXIT_USAGE, RunStopped, is_busy, run_notebook

    try:
        result = run_notebook(
            notebook,
            _pairs(parameters),
            workspace=workspace,
            from_text=True,
            cell_timeout=cell_timeout,
            run_timeout=timeout,
        )
    except CxlabError as exc:
        _fail(exc, code=EXIT_BUSY if is_busy(exc) else EXIT_USAGE)
    except RunStopped as exc:
        _fail(
            RuntimeError(f"{notebook}: {exc}; recorded as killed, the last good report is kept"),
            code=exc.exit_code,
        )
    if not result.ok:
        err = result.error or {}
        where = f" (code cell {err['cell']})" if err.get("cell") else ""
        _fail(
            RuntimeError(
                f"{result.notebook} failed{where}: {str(err.get('message')).rstrip('.')}. The last good report is kept."
            ),
            code=1,
        )
    if result.needs_data:
        page = result.report or "the index (the last good report is kept)"
        typer.echo(
            f"{result.notebook}: needs tables the workspace lacks; nothing ran. What to load: {page}"
        )
        return
    typer.echo(f"{result.notebook}: published {result.report}")


@app.command("refresh", cls=_PairedParameters)
def refresh_cmd(
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only these jobs.")] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Run up to N jobs at once (1: one after the other); a job still waits for "
            "the jobs it depends on. Use the number of cores.",
        ),
    ] = 1,
    parameters: Language = None,
    workspace: Workspace = None,
) -> None:
    """Run every notebook of schedule.yaml in dependency order, past failures; exit 1 if any failed.

    --jobs N runs independent jobs side by side. -p language zh|en writes every report in that
    language (default: the workspace's).
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cxlab import CxlabError
    from cxlab._config import settings
    from cxlab.runner import RunStopped, check_jobs, load_schedule, refresh, schedule_path

    console = Console(stderr=True)
    params = _pairs(parameters)
    unknown = [k for k in params if k != "language"]
    if unknown:
        _fail(ValueError(f"refresh takes only -p language zh|en, not {', '.join(unknown)}"))
    try:
        check_jobs(jobs)
        if "language" in params:
            from cxlab._present import check_language

            params["language"] = check_language(params["language"], setting="parameter language")
        ws = settings(workspace)
        schedule = load_schedule(schedule_path(ws), time_zone=ws.time_zone)
        selected = [j for j in schedule.jobs if not only or j.name in only]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("refresh", total=len(selected))
            running: list[str] = []

            def show() -> None:  # the jobs running now, in the order they started
                bar.update(
                    task, description=f"running {', '.join(running)}" if running else "refresh"
                )

            def started(job) -> None:
                running.append(job.name)
                show()

            def done(job, _result) -> None:
                running.remove(job.name)
                bar.advance(task)
                show()

            results = refresh(
                ws,
                schedule,
                only=only,
                jobs=jobs,
                on_start=started,
                on_done=done,
                say=lambda msg: console.print(msg, markup=False, highlight=False),
                parameters=params,
            )
    except CxlabError as exc:
        _fail(exc)
    except RunStopped as exc:
        _fail(
            RuntimeError(f"refresh {exc}; the jobs that were running are recorded as killed"),
            code=exc.exit_code,
        )
    failed = []
    for name, res in results.items():
        if res is None:
            typer.echo(f"  {name:<18} skipped (a job it depends on failed)")
            failed.append(name)
        elif res.needs_data:
            typer.echo(f"  {name:<18} needs data (nothing ran; the index says what to load)")
        elif res.ok:
            typer.echo(f"  {name:<18} ok      {res.report}")
        else:
            err = res.error or {}
            typer.echo(f"  {name:<18} FAILED  {err.get('message')}")
            failed.append(name)
    typer.echo(f"Reports: {ws.outputs_dir / 'index.html'}")
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export_cmd(
    notebook: Annotated[
        str, typer.Argument(help="Notebook name (service_review, 00_service_review) or path.")
    ],
    pdf: Annotated[
        bool, typer.Option("--pdf", help="A PDF printed by headless Chromium (the default).")
    ] = False,
    single_file: Annotated[
        bool,
        typer.Option("--single-file", help="One self-contained HTML file (plotly.js inlined)."),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write (default: outputs/exports/)."),
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Export the last good report of a notebook as a PDF (--pdf) or one HTML file to e-mail."""
    from cxlab import CxlabError
    from cxlab.runner import export_report

    formats = [f for f, on in (("pdf", pdf), ("html", single_file)) if on] or ["pdf"]
    try:
        for fmt in formats:
            path = export_report(
                notebook,
                fmt=fmt,  # type: ignore[arg-type]
                output=output if len(formats) == 1 else None,
                workspace=workspace,
            )
            typer.echo(f"{notebook}: wrote {path}")
    except CxlabError as exc:
        _fail(exc)


@app.command("schedule")
def schedule_cmd(
    cron: Annotated[
        bool, typer.Option("--cron", help="Print crontab lines instead of running.")
    ] = False,
    once: Annotated[
        bool, typer.Option("--once", help="Check once for due jobs, run them, and exit.")
    ] = False,
    run_job: Annotated[
        str | None,
        typer.Option(
            "--run",
            metavar="JOB",
            help="Run this job now with its parameters, timeouts and retries (what --cron lines call).",
        ),
    ] = None,
    airflow: Annotated[
        Path | None,
        typer.Option(
            "--airflow",
            metavar="PATH",
            help="Write the jobs as an Airflow 3 DAG file (a .py file) instead of running.",
        ),
    ] = None,
    systemd: Annotated[
        Path | None,
        typer.Option(
            "--systemd",
            metavar="DIR",
            help="Write a systemd .service and .timer per job into DIR instead of running.",
        ),
    ] = None,
    cxlab_command: Annotated[
        Path | None,
        typer.Option(
            "--cxlab-command",
            metavar="PATH",
            help="The cxlab executable the --airflow and --systemd jobs call (default: this one).",
        ),
    ] = None,
    poll: Annotated[float, typer.Option(help="Seconds between checks.")] = 30.0,
    workspace: Workspace = None,
) -> None:
    """Run the jobs of schedule.yaml when they are due, in the foreground (as a service would).

    Exit codes: 0 every due job ran; 1 a report failed; 2 bad usage or input;
    70 a crash inside cxlab (traceback printed); 75 the workspace was busy, due jobs stay due.
    """
    import traceback

    from cxlab import CxlabError
    from cxlab import runner as sched
    from cxlab._config import settings
    from cxlab._errors import OptionError

    try:
        chosen = (
            ("--cron", cron),
            ("--once", once),
            ("--run", run_job),
            ("--airflow", airflow),
            ("--systemd", systemd),
        )
        modes = [m for m, on in chosen if on is not None and on is not False]
        if len(modes) > 1:
            raise OptionError(
                f"give one of --cron, --once, --run; got {' '.join(modes)} "
                "(--airflow and --systemd also go alone)."
            )
        if cxlab_command is not None and airflow is None and systemd is None:
            raise OptionError("--cxlab-command goes with --airflow or --systemd.")
        sched.check_poll(poll)
        ws = settings(workspace)
        path = sched.schedule_path(ws)
        schedule = sched.load_schedule(path, time_zone=ws.time_zone)
        if cron:
            typer.echo("\n".join(sched.cron_lines(ws, schedule)))
            return
        if airflow is not None:
            dag = sched.write_airflow(ws, schedule, airflow, cxlab=cxlab_command, source=str(path))
            typer.echo(
                f"wrote {dag}: {len(schedule.jobs)} job(s) as Airflow tasks, each running "
                "cxlab run; copy it into Airflow's dags folder"
            )
            return
        if systemd is not None:
            files = sched.write_systemd(ws, schedule, systemd, cxlab=cxlab_command)
            timers = " ".join(f.name for f in files if f.suffix == ".timer")
            typer.echo(
                f"wrote {len(files)} unit(s) in {files[0].parent if files else systemd}; "
                "install them in ~/.config/systemd/user/, then: systemctl --user daemon-reload "
                f"&& systemctl --user enable --now {timers}"
            )
            return
        if run_job is not None:
            raise typer.Exit(sched.run_job(ws, schedule, run_job, say=typer.echo).exit_code)
        result = sched.serve(ws, schedule, poll_seconds=poll, once=once, say=typer.echo)
        raise typer.Exit(result.exit_code if result else 0)
    except CxlabError as exc:
        _fail(exc, code=sched.EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("stopped")
    except (typer.Exit, typer.Abort):
        raise
    except Exception:  # a bug in cxlab, not in the input: its own exit code
        typer.echo(traceback.format_exc().rstrip(), err=True)
        typer.echo("cxlab schedule crashed (a bug in cxlab; the traceback is above).", err=True)
        raise typer.Exit(sched.EXIT_CRASH) from None
    except BaseException as exc:  # a signal stopped a run (the runner recorded it as killed)
        code = getattr(exc, "exit_code", None)
        if not isinstance(code, int) or isinstance(exc, SystemExit):
            raise
        typer.echo(f"cxlab schedule: {exc}; the job stays due for the next start.", err=True)
        raise typer.Exit(code) from None


def main() -> None:  # pragma: no cover - the console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
