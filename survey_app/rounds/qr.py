"""QR codes for survey links, as PNG (posters, print shops) and SVG (scalable, tiny files)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage


def _build(url: str) -> qrcode.QRCode[Any]:
    # Level M survives a smudged or creased poster while keeping modules large for cheap cameras.
    code: qrcode.QRCode[Any] = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=10, border=4
    )
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _build(url).make_image(image_factory=PilImage).save(buffer)
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    _build(url).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()
