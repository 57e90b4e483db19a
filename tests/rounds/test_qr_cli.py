"""QR codes: every image the CLI writes decodes to that unit's URL; posters render."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import zxingcpp
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image

from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client


def test_export_qr_writes_decodable_images_and_csv(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    demo_link(app)
    out = tmp_path / "qr"
    result = runner.invoke(args=["export-qr", "--round", "SIPAS-2021-HUONG-SON", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "links.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 25
    assert len({row["url"] for row in rows}) == 25
    for row in rows:
        assert row["url"].startswith("https://khaosat.example.vn/s/")
        decoded = zxingcpp.read_barcodes(Image.open(out / f"{row['unit_code']}.png"))
        assert [d.text for d in decoded] == [row["url"]]
        svg = (out / f"{row['unit_code']}.svg").read_text()
        assert svg.startswith("<?xml")
        assert "<svg" in svg
    # Each URL opens its own commune's form.
    client = app.test_client()
    for row in rows[:3]:
        page = client.get(row["url"].removeprefix("https://khaosat.example.vn"))
        assert page.status_code == 200
        assert row["unit_name"].lower() in page.text.lower()  # "UBND xã An Hòa Thịnh"


def test_qr_routes_and_poster(app: Flask) -> None:
    link = demo_link(app, "439-pho-chau")
    client = app.test_client()
    png = client.get(f"/s/{link.token}/qr.png")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert decoded[0].text == f"https://khaosat.example.vn/s/{link.token}"
    svg = client.get(f"/s/{link.token}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    poster = client.get(f"/s/{link.token}/poster")
    assert poster.status_code == 200
    assert "Thị trấn Phố Châu" in poster.text
    assert f"https://khaosat.example.vn/s/{link.token}" in poster.text
    assert "size:A4" in poster.text
    assert client.get("/s/forged.token/poster").status_code == 404


def test_unknown_round_is_a_clear_cli_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["export-qr", "--round", "NOPE", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "no round with code 'NOPE'" in result.output


def test_staff_print_all_posters(app: Flask) -> None:
    demo_link(app)
    district = logged_in_client(app, "district_officer")
    page = district.get("/staff/rounds/SIPAS-2021-HUONG-SON/posters/")
    assert page.status_code == 200
    assert page.text.count('class="poster-sheet"') == 25
    assert "page-break-after:always" in page.text
    # Each unit's address twice: on its poster and as its kiosk link for a counter tablet.
    assert page.text.count("https://khaosat.example.vn/s/") == 50
    assert page.text.count("?kiosk=") == 25
    commune = logged_in_client(app, "commune_officer", "439-son-giang")
    own = commune.get("/staff/rounds/SIPAS-2021-HUONG-SON/posters/")
    assert own.text.count('class="poster-sheet"') == 1
    assert "Xã Sơn Giang" in own.text
    assert "Thị trấn Phố Châu" not in own.text
