"""`pricing-api`: serve, load tables, export the OpenAPI spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

#: Command-line work (loading tables, batch audits) may legitimately run long statements.
CLI_DB_TIMEOUT = 600.0

app = typer.Typer(help="Quzhou medical service pricing API", no_args_is_help=True, add_completion=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: PRICING_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: PRICING_PORT or 8000")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default PRICING_WORKERS or 1)")] = None,
) -> None:
    """Start the service.  An empty database is migrated and filled with the bundled notices.

    Several workers share one port; their metrics are added up through a fresh
    PROMETHEUS_MULTIPROC_DIR made here (unless one is given), and every log line is JSON.
    """
    import os
    import tempfile

    import uvicorn

    from pricing_api.logging_setup import log_config
    from pricing_api.settings import get_settings

    settings = get_settings()
    worker_count = workers or settings.workers
    if worker_count > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Set before the workers start, so each one writes its samples where /metrics reads them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pricing-metrics-")
    # The workers read their settings afresh: they see the address given here (the first-start
    # banner prints it).
    os.environ["PRICING_HOST"], os.environ["PRICING_PORT"] = host or settings.host, str(port or settings.port)
    get_settings.cache_clear()
    uvicorn.run("pricing_api.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=worker_count, http="httptools", loop="uvloop",
                access_log=False, log_config=log_config(settings.log_level), log_level=settings.log_level,
                server_header=False)


@app.command()
def load(
    tables: Annotated[list[Path] | None, typer.Argument(
        help="CSV/XLSX tables, each with a .toml of the same name beside it; default: the bundled notices")] = None,
) -> None:
    """Check tables with the loader and store them as published notices (one transaction)."""
    from price_tables.loader import TableRejected, bundled_notices, load_notice_files
    from pricing_api.startup import load_into

    if tables:
        notices = []
        for path in tables:
            result = load_notice_files(path, path.with_suffix(".toml"))
            for issue in result.issues:
                typer.echo(str(issue), err=True)
            if result.notice is None:
                typer.echo(f"{path}: 有错误，未导入任何内容", err=True)
                raise typer.Exit(1)
            notices.append(result.notice)
        origin = "upload"
    else:
        try:
            notices = list(bundled_notices())
        except TableRejected as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        origin = "bundled"
    with _unit_of_work() as uow:
        ids = load_into(uow.session, notices, origin=origin, actor="cli")
        uow.commit()
    for notice, notice_id in zip(notices, ids, strict=True):
        typer.echo(f"notice {notice_id}: {notice.meta.document} — {len(notice.items)} items, "
                   f"{len(notice.incomplete_rows)} incomplete rows")


@app.command()
def audit(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=True, help=(
        "Claim files: Parquet, CSV (UTF-8 or GB18030) or NDJSON (nested bills or flat rows); "
        "with --engine spark, Parquet files or directories"))],
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Findings: FILE.parquet or FILE.csv (default: FIRST.findings.csv)"))] = None,
    summary_path: Annotated[Path | None, typer.Option("--summary", help="Summary JSON (default: beside the findings)")] = None,
    engine: Annotated[str, typer.Option(help="duckdb | python | spark")] = "duckdb",
    master: Annotated[str | None, typer.Option(help="Spark master, e.g. local[2] (spark-submit sets it on a cluster)")] = None,
    bundled: Annotated[bool, typer.Option("--bundled", help="Use the bundled tables instead of the database")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
    threads: Annotated[int | None, typer.Option(help="DuckDB threads (default: every core)")] = None,
    store: Annotated[bool, typer.Option("--store", help=(
        "Store the run and its findings in the database for review (初审/复审 on the 事后审核 page) "
        "instead of writing files"))] = False,
    title: Annotated[str | None, typer.Option(help="With --store: the run's title (default: the file's name)")] = None,
) -> None:
    """Re-audit whole files of claims with the registry's rules; findings to Parquet or CSV, a
    summary per rule, hospital and item to JSON and the console.  Unreadable rows are counted and
    listed (FILE.rejected.csv), never stopping the run.  With --store, the run goes to the
    database as an audit run, to be reviewed there."""
    from reaudit.job import run_audit

    if engine not in ("duckdb", "python", "spark"):
        typer.echo(f"unknown engine {engine!r}: duckdb | python | spark", err=True)
        raise typer.Exit(2)
    if store:
        _store_run(files, engine=engine, title=title, threads=threads)
        return
    first = files[0]
    output = output or first.with_name(first.stem + ".findings.csv")
    summary_path = summary_path or output.with_name(output.stem.removesuffix(".findings") + ".summary.json")
    try:
        catalog, reference = _catalog(bundled)
        summary = run_audit(files, catalog, output, engine=engine, progress=progress, threads=threads,
                            spark_master=master, reference=reference)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    summary_path.write_text(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(summary.table())
    typer.echo(f"\nfindings: {output}\nsummary: {summary_path}")
    if summary.rejected_file:
        typer.echo(f"rejected rows: {summary.rejected_file}")


def _store_run(files: list[Path], *, engine: str, title: str | None, threads: int | None) -> None:
    """An audit run recorded, executed here, its findings stored: as `POST /v1/audits` does,
    for files too large to upload."""
    import hashlib

    from pricing_api import audit_runner
    from pricing_api.services.audit_runs import ReceivedFile, create_run
    from pricing_api.storage import audits as stored

    if engine not in ("duckdb", "python"):
        typer.echo("--store runs the duckdb or python engine", err=True)
        raise typer.Exit(2)
    if len(files) != 1 or not files[0].is_file():
        typer.echo("--store takes one claims file", err=True)
        raise typer.Exit(2)
    path = files[0]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    catalog, reference = _catalog(bundled=False)
    received = ReceivedFile(path, path.name, digest.hexdigest(), path.stat().st_size)
    with _unit_of_work() as uow:
        run = create_run(uow.session, title=title or path.name, received=received, engine=engine,
                         actor="cli:pricing-api audit --store")
        uow.commit()
    run_id = run.id
    from pricing_api.settings import get_settings
    from pricing_api.storage.database import make_engine

    database = make_engine(get_settings().database_url, timeout=CLI_DB_TIMEOUT)
    summary = audit_runner.execute(database, run_id, [path], catalog, catalog_version=catalog.version_tag,
                                   reference=reference, audit_engine=engine, threads=threads)
    from sqlmodel import Session

    with Session(database) as session:
        done = stored.get_run(session, run_id)
    assert done is not None
    if done.state != "done":
        typer.echo(f"audit run {run_id}: {done.error}", err=True)
        raise typer.Exit(1)
    typer.echo(summary.table())
    typer.echo(f"\naudit run {run_id}: {done.findings_count} findings stored for review (事后审核 page, "
               f"/v1/audits/{run_id})")


def _catalog(bundled: bool):
    """The published tables and reference data (hospital registry, code maps): the database's,
    or the bundled notices and none with --bundled."""
    from price_tables.catalog import Catalog, NoticeVersion
    from price_tables.loader import bundled_notices
    from validators.reference import NO_REFERENCE

    if bundled:
        return Catalog.of(NoticeVersion(i + 1, n, i + 1) for i, n in enumerate(bundled_notices())), NO_REFERENCE
    from pricing_api.catalog_holder import CatalogHolder, ReferenceHolder
    from pricing_api.settings import get_settings
    from pricing_api.startup import prepare_database
    from pricing_api.storage.database import make_engine

    settings = get_settings()
    engine = make_engine(settings.database_url, timeout=CLI_DB_TIMEOUT)
    prepare_database(engine, settings.load_bundled)
    return CatalogHolder(engine).get(), ReferenceHolder(engine).get()


@app.command()
def impact(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Claims: Parquet, CSV or NDJSON")],
    table: Annotated[int, typer.Option("--table", help="The draft table's id")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The report as JSON")] = None,
) -> None:
    """What publishing a draft would move: the claims re-priced and judged under the published
    tables and under the draft (DuckDB engine); money per item, grade and hospital, changed findings."""
    from pricing_api.errors import DomainError
    from pricing_api.services.impact import draft_catalog
    from reaudit.impact import impact as impact_report

    published, reference = _catalog(bundled=False)
    try:
        with _unit_of_work() as uow:
            draft = draft_catalog(uow.session, published, table)
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    report = impact_report(files, published, draft, reference=reference)
    if output:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"lines {report['lines']:,}  moved {report['lines_moved']:,}  at standard prices "
               f"{report['before']} → {report['after']} ({report['delta']})")
    typer.echo(f"at risk {report['at_risk_before']} → {report['at_risk_after']}  findings new "
               f"{report['findings_new']:,}, gone {report['findings_gone']:,}")
    for row in report["per_item"][:20]:
        typer.echo(f"  {row['code']:<14} {row['name'][:20]:<22} {row['before']:>16} → {row['after']:>16} ({row['delta']})")


keys = typer.Typer(help="API keys: create, list, revoke", no_args_is_help=True)
app.add_typer(keys, name="keys")


def _unit_of_work():
    """A unit of work on the configured database (migrated first)."""
    from pricing_api.settings import get_settings
    from pricing_api.storage.database import make_engine, migrate
    from pricing_api.unit_of_work import UnitOfWork

    engine = make_engine(get_settings().database_url, timeout=CLI_DB_TIMEOUT)
    migrate(engine)
    return UnitOfWork(engine)


@keys.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="his | auditor | pricing | admin | metrics")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")] = "",
) -> None:
    """Create a key; the secret is the last word printed, and is shown only this once."""
    from pricing_api.auth import parse_role
    from pricing_api.services.keys import issue_key

    try:
        parsed = parse_role(role)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    with _unit_of_work() as uow:
        created = issue_key(uow.session, parsed, name, actor="cli")
        uow.commit()
    typer.echo(f"created key {created.id} ({created.prefix}, role {created.role}); secret: {created.key}")


@keys.command("list")
def keys_list() -> None:
    """Every key: id, prefix, role, name, created, revoked."""
    from pricing_api.services.keys import list_keys

    with _unit_of_work() as uow:
        for k in list_keys(uow.session):
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            typer.echo(f"{k.id:>4}  {k.prefix:<12} {k.role:<8} {state:<24} {k.name}")


@keys.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or prefix")]) -> None:
    """Revoke a key (it stops working within a few seconds)."""
    from pricing_api.errors import DomainError
    from pricing_api.services.keys import revoke_key

    with _unit_of_work() as uow:
        try:
            revoked = revoke_key(uow.session, key, actor="cli")
        except DomainError as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        uow.commit()
    typer.echo(f"revoked key {revoked.id} ({revoked.prefix})")


@app.command("export-openapi")
def export_openapi(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("openapi/openapi.json"),
) -> None:
    """Write the OpenAPI spec of the app (what `tests/test_openapi.py` compares against)."""
    from pricing_api.openapi import openapi_document

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(openapi_document(), encoding="utf-8")
    typer.echo(f"wrote {output}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m pricing_api.cli`
    main()
