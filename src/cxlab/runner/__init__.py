"""Running notebooks with papermill, rendering code-free offline HTML, publishing atomically.

The runner never imports a model package: it runs notebooks, which do.
"""

from cxlab.runner._airflow import airflow_dag, write_airflow
from cxlab.runner._execute import Execution, inspect_output
from cxlab.runner._export import export_report
from cxlab.runner._journal import read_runs, read_status, recover
from cxlab.runner._locks import is_busy
from cxlab.runner._notebooks import find_notebook, notebooks_dir, title_of
from cxlab.runner._orchestrate import cxlab_executable
from cxlab.runner._params import check_parameters, parameters_cell
from cxlab.runner._publish import ensure_assets, prune_archive, write_index
from cxlab.runner._render import (
    external_references,
    inline_assets,
    render_html,
    strip_external,
)
from cxlab.runner._run import RunResult, RunStopped, fallback_log, run_notebook, workspace_lock
from cxlab.runner._schedule import (
    EXIT_BUSY,
    EXIT_CRASH,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Job,
    Schedule,
    check_jobs,
    check_poll,
    cron_lines,
    due,
    load_schedule,
    refresh,
    run_job,
    schedule_path,
    serve,
)
from cxlab.runner._systemd import on_calendar, systemd_units, write_systemd

__all__ = [
    "EXIT_BUSY",
    "EXIT_CRASH",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Execution",
    "Job",
    "RunResult",
    "RunStopped",
    "Schedule",
    "airflow_dag",
    "check_jobs",
    "check_parameters",
    "check_poll",
    "cron_lines",
    "cxlab_executable",
    "due",
    "ensure_assets",
    "export_report",
    "external_references",
    "fallback_log",
    "find_notebook",
    "inline_assets",
    "inspect_output",
    "is_busy",
    "load_schedule",
    "notebooks_dir",
    "on_calendar",
    "parameters_cell",
    "prune_archive",
    "read_runs",
    "read_status",
    "recover",
    "refresh",
    "render_html",
    "run_job",
    "run_notebook",
    "schedule_path",
    "serve",
    "strip_external",
    "systemd_units",
    "title_of",
    "workspace_lock",
    "write_airflow",
    "write_index",
    "write_systemd",
]
