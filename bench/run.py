"""`make bench`: run every benchmark module and write BENCHMARKS.md and bench/results/latest.json.

    python -m bench.run                      # every module, on a freshly made benchmark database
    python -m bench.run pages booking        # only these; the other sections keep their last figures
    python -m bench.run --keep-database ...  # reuse the benchmark database as the last run left it

Each module `bench/<name>.py` has `run() -> list[dict]` (rows: {"benchmark", ..., "runs", "notes"}),
optionally a TITLE, and a docstring whose first paragraph describes it. A module that fails is reported
with its error and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import re
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import common

RESULTS = common.BASE_DIR / "bench" / "results"
REPORT = common.BASE_DIR / "BENCHMARKS.md"
# The order sections appear in; modules found beyond these follow alphabetically.
KNOWN = ["provisioning", "pages", "csv_import", "booking", "coach_page", "assessments"]
NOT_MODULES = {"run", "common"}


def modules_present() -> list[str]:
    """Modules of the bench package with a top-level `def run(` (helpers such as common are not)."""
    import bench

    found = {
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if info.name not in NOT_MODULES
        and not info.name.startswith("_")
        and re.search(
            r"^def run\(", (Path(bench.__path__[0]) / f"{info.name}.py").read_text(errors="replace"), re.MULTILINE
        )
    }
    return [name for name in KNOWN if name in found] + sorted(found - set(KNOWN))


def run_module(name: str) -> dict:
    """Import and run one module; its rows, or the error it failed with. Never raises."""
    from django.db import connection, connections

    started = time.perf_counter()
    result: dict = {"date": _now(), "title": name, "description": ""}
    try:
        module = importlib.import_module(f"bench.{name}")
        result["title"] = getattr(module, "TITLE", name)
        result["description"] = _first_paragraph(module.__doc__ or "")
        rows = module.run()
        if not isinstance(rows, list) or not all(isinstance(item, dict) and "benchmark" in item for item in rows):
            raise TypeError("run() must return a list of dicts, each with a 'benchmark' key")
        result["rows"] = rows
    except Exception as error:  # noqa: BLE001 (one failing module must not stop the others)
        result["error"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc(limit=8)
    finally:
        # A module that failed half-way may have left its connection in a broken transaction or schema.
        try:
            connections.close_all()
            connection.set_schema_to_public()
        except Exception as error:  # noqa: BLE001
            result.setdefault("error", f"left the database connection unusable: {error}")
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def machine() -> dict:
    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    cpu = next(
        (line.split(":", 1)[1].strip() for line in read("/proc/cpuinfo").splitlines() if line.startswith("model name")),
        platform.processor() or platform.machine(),
    )
    memory_kb = next(
        (int(line.split()[1]) for line in read("/proc/meminfo").splitlines() if line.startswith("MemTotal:")), 0
    )
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, ValueError, subprocess.CalledProcessError):
        nproc = os.cpu_count() or 0
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=common.BASE_DIR, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    import django

    return {
        "nproc": nproc,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "postgresql": common.postgres_version(),
        "database": "BENCH_DATABASE_URL"
        if os.environ.get("BENCH_DATABASE_URL")
        else f"embedded server, database {common.BENCH_DATABASE}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit,
        "load_average": round(os.getloadavg()[0], 1),
    }


def previous_results() -> dict:
    try:
        return json.loads((RESULTS / "latest.json").read_text())
    except (OSError, ValueError):
        return {}


def module_titles(names: list[str]) -> dict[str, str]:
    """Each module's section title (its TITLE, else its name), read from the source without importing it."""
    titles = {}
    for name in names:
        try:
            source = (Path(__file__).parent / f"{name}.py").read_text(errors="replace")
        except OSError:
            continue
        found = re.search(r'^TITLE = "([^"]*)"', source, re.MULTILINE)
        titles[name] = found.group(1) if found else name
    return titles


def report_sections(present: list[str], text: str | None = None) -> dict[str, dict]:
    """The sections of the BENCHMARKS.md in the checkout, kept as they are: for `python -m bench.run
    <module>` when bench/results/latest.json (not in the repository) is missing, so that the other
    sections are not lost. Keyed by module name where a present module has that title."""
    if text is None:
        try:
            text = REPORT.read_text()
        except OSError:
            return {}
    by_title = {title: name for name, title in module_titles(present).items()}
    sections: dict[str, dict] = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        title, _, body = chunk.partition("\n")
        title = title.strip()
        if title in ("How they were measured", "Not measured yet"):
            continue
        key = by_title.get(title, f"section:{title}")
        sections[key] = {"title": title, "markdown": body.strip("\n"), "date": None}
    return sections


def write_results(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    (RESULTS / "latest.json").write_text(text + "\n")
    stamp = results["date"].replace(":", "").replace("-", "")
    (RESULTS / f"{stamp}.json").write_text(text + "\n")
    REPORT.write_text(render(results))


def _cell(value) -> str:
    if isinstance(value, float):
        value = f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for item in rows:
        columns += [key for key in item if key not in columns and key not in ("runs", "notes")]
    columns += ["runs", "notes"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for item in rows:
        lines.append("| " + " | ".join(_cell(item.get(column, "")) for column in columns) + " |")
    return lines


def render(results: dict) -> str:
    info = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`python -m bench.run`); do not edit by hand. Every figure is a median "
        "over several runs. Page figures are also given as a ratio to `/healthz` measured in the same "
        "rounds on the same server, because these machines are noisy: compare ratios between runs, not "
        "milliseconds.",
        "",
        "## How they were measured",
        "",
        f"- Date: {results['date']} (commit {info['commit'] or 'unknown'})",
        f"- Machine: {info['nproc']} CPUs (`nproc`), {info['memory_gib']} GiB memory, {info['cpu']}; {info['os']}",
        f"- PostgreSQL {info['postgresql']} ({info['database']}); Python {info['python']}, Django {info['django']}",
        f"- Load average (1 minute) when the run began and ended: {info.get('load_average_before', '?')} and "
        f"{info.get('load_average', '?')} on {info['nproc']} CPUs. Other work on the machine inflates "
        "absolute times; ratios measured in the same run hold better.",
        "- Benchmarks use their own database (made afresh for each full run), never the demo data. "
        "Servers run under gunicorn with DEBUG off on loopback; the load generator is "
        "`bench.common.load` (threads, one request at a time each).",
        f"- Commands: `{results['command']}`; one module alone: `python -m bench.run <module>`.",
        "",
    ]
    for name in results["order"]:
        section = results["modules"][name]
        lines += [f"## {section['title']}", ""]
        if "markdown" in section:  # kept from the report as it was
            if "_Figures from an earlier run" not in section["markdown"]:
                lines += ["_Figures from an earlier run (kept from the previous BENCHMARKS.md)._", ""]
            lines += [section["markdown"], ""]
            continue
        if section.get("description"):
            lines += [section["description"], ""]
        if section.get("date") != results["date"]:
            lines += [f"_Figures from an earlier run ({section.get('date')})._", ""]
        if "error" in section:
            lines += [
                f"**Failed** after {section['seconds']} s: `{section['error']}`",
                "",
                "```",
                section.get("traceback", "").rstrip(),
                "```",
                "",
            ]
        else:
            lines += table(section["rows"]) + ["", f"_{section['seconds']} s for this module, `bench/{name}.py`._", ""]
    present = set(modules_present())
    absent = [f"`bench/{name}.py`" for name in KNOWN if name not in results["modules"] and name not in present]
    not_run = [f"`bench/{name}.py`" for name in sorted(present) if name not in results["modules"]]
    if absent or not_run:
        lines += ["## Not measured yet", ""]
        if not_run:
            lines += ["Not run for this report: " + ", ".join(not_run) + ".", ""]
        if absent:
            lines += ["No module yet: " + ", ".join(absent) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="run only these modules (default: all)")
    parser.add_argument(
        "--keep-database", action="store_true", help="reuse the benchmark database instead of making it afresh"
    )
    options = parser.parse_args(argv)
    common.configure()
    present = modules_present()
    unknown = [name for name in options.modules if name not in present]
    if unknown:
        parser.error(f"no such benchmark module: {', '.join(unknown)} (present: {', '.join(present)})")
    selected = options.modules or present
    if not options.keep_database:
        print("Making the benchmark database afresh (drop, create, migrate)…", flush=True)
        common.reset_database()
    load_before = round(os.getloadavg()[0], 1)
    previous = previous_results() if options.modules else {}
    modules = {name: section for name, section in previous.get("modules", {}).items() if name in present}
    if options.modules:
        # Sections the results file does not have (it is not in the repository) stay as the report has them.
        for name, section in report_sections(present).items():
            modules.setdefault(name, section)
    results = {
        "date": _now(),
        "command": "make bench" if not options.modules else "python -m bench.run " + " ".join(argv),
        "modules": modules,
    }
    for name in selected:
        print(f"bench.{name}…", flush=True)
        modules[name] = {**run_module(name), "date": results["date"]}
        outcome = modules[name].get("error") or f"{len(modules[name]['rows'])} rows"
        print(f"  {modules[name]['seconds']} s: {outcome}", flush=True)
        # Written after every module, so that a run cut short still leaves what it measured.
        results["machine"] = {**machine(), "load_average_before": load_before}
        results["order"] = [name for name in present if name in modules] + [
            name for name in modules if name not in present
        ]
        write_results(results)
    print(f"Wrote {REPORT.name} and {(RESULTS / 'latest.json').relative_to(common.BASE_DIR)}")
    return 1 if any("error" in modules[name] for name in selected) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
