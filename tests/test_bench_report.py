"""`python -m bench.run <module>` keeps the other sections of BENCHMARKS.md, with or without
bench/results/latest.json (which is not in the repository)."""

import re

from bench import run


def _titles(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, flags=re.MULTILINE)


def test_one_module_run_keeps_every_other_section_of_the_report():
    report = run.REPORT.read_text()
    present = run.modules_present()
    kept = run.report_sections(present, report)
    assert "migrations" in kept and "pages" in kept  # matched to their modules by title

    modules = dict(kept)
    modules["migrations"] = {
        "title": "Migrations at scale",
        "description": "New figures.",
        "rows": [run.common.row("new row", runs=3, seconds=1.5)],
        "seconds": 2.0,
        "date": "2026-12-04T04:00:00+00:00",
    }
    results = {
        "date": "2026-12-04T04:00:00+00:00",
        "command": "python -m bench.run migrations",
        "modules": modules,
        "order": [name for name in present if name in modules] + [name for name in modules if name not in present],
        "machine": {
            "nproc": 2,
            "memory_gib": 1,
            "cpu": "cpu",
            "os": "Linux",
            "postgresql": "15",
            "database": "db",
            "python": "3.11",
            "django": "5.2",
            "commit": "abc",
        },
    }
    rendered = run.render(results)

    before = [title for title in _titles(report) if title not in ("How they were measured", "Not measured yet")]
    after = _titles(rendered)
    assert set(before) <= set(after)
    assert "| new row | 1.5 | 3 |  |" in rendered
    # A kept section's table comes through unchanged.
    pages = kept["pages"]["markdown"]
    assert pages.splitlines()[-1] in rendered
    assert rendered.count("## Migrations at scale") == 1
