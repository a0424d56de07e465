"""Paragraph and table styles shared by the summary and the handouts (all in embedded fonts)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeAlias, TypedDict, Unpack

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from consult_aid.report.fonts import register_fonts

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#b8c4d0")
SHADE = colors.HexColor("#eef2f6")
RISK = colors.HexColor("#b34a1a")
RISK_MIDDLE = colors.HexColor("#d9825a")
RISK_RANGE = colors.HexColor("#f0cdb8")
BENEFIT = colors.HexColor("#1f7a4d")
BENEFIT_MIDDLE = colors.HexColor("#5aa883")
BENEFIT_RANGE = colors.HexColor("#b9dfca")
WATERMARK = colors.HexColor("#c0392b")
NOT_AFFECTED = colors.HexColor("#d4d9de")
WARNING_BG = colors.HexColor("#fff3e0")
WARNING_EDGE = colors.HexColor("#d9822b")

# One TableStyle command: its name, the first and last cell as (column, row), then its values.
TableCommand: TypeAlias = tuple[str, tuple[int, int], tuple[int, int], *tuple[Any, ...]]


class StyleOptions(TypedDict, total=False):
    """The ParagraphStyle attributes that the styles below set."""

    fontName: str
    fontSize: float
    leading: float
    textColor: Color
    alignment: Literal[0, 1, 2, 4]  # reportlab.lib.enums: TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY
    splitLongWords: int
    spaceBefore: float
    spaceAfter: float
    keepWithNext: int
    leftIndent: float
    bulletIndent: float
    bulletFontName: str


@dataclass(frozen=True, slots=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    option: ParagraphStyle
    item: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    label: ParagraphStyle
    header: ParagraphStyle
    header_right: ParagraphStyle
    bullet: ParagraphStyle
    bullet_big: ParagraphStyle
    reference: ParagraphStyle
    callout: ParagraphStyle
    big: ParagraphStyle
    option_row: ParagraphStyle
    note: ParagraphStyle
    note_label: ParagraphStyle
    note_bullet: ParagraphStyle


@cache
def styles() -> Styles:
    """The styles (built once; reportlab styles are only read while rendering)."""
    f = register_fonts()

    def style(name: str, **kw: Unpack[StyleOptions]) -> ParagraphStyle:
        base: StyleOptions = {
            "fontName": f.regular, "fontSize": 10, "leading": 14, "textColor": INK,
            "alignment": TA_LEFT, "splitLongWords": 1, "spaceAfter": 0,
            "bulletFontName": f.regular,
        }
        base.update(kw)
        return ParagraphStyle(name, **base)

    return Styles(
        title=style("title", fontName=f.bold, fontSize=18, leading=23, textColor=ACCENT,
                    spaceAfter=4),
        subtitle=style("subtitle", fontSize=11, leading=15, textColor=MUTED, spaceAfter=10),
        h1=style("h1", fontName=f.bold, fontSize=13.5, leading=18, textColor=ACCENT,
                 spaceBefore=12, spaceAfter=5),
        h2=style("h2", fontName=f.bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3),
        option=style("option", fontName=f.bold, fontSize=12, leading=16, textColor=ACCENT,
                     spaceBefore=10, spaceAfter=4),
        item=style("item", fontName=f.bold, fontSize=10.5, leading=14, spaceBefore=6,
                   spaceAfter=2),
        body=style("body", fontSize=11, leading=15, spaceAfter=5),
        small=style("small", fontSize=11, leading=13.5),
        muted=style("muted", fontSize=9.5, leading=12.5, textColor=MUTED, spaceAfter=4),
        cell=style("cell", fontSize=11, leading=13.3),
        cell_head=style("cell_head", fontName=f.bold, fontSize=11, leading=14.5),
        label=style("label", fontName=f.bold, fontSize=11, leading=13.6, textColor=MUTED),
        header=style("header", fontSize=8.5, leading=11, textColor=MUTED),
        header_right=style("header_right", fontSize=8.5, leading=11, textColor=MUTED,
                           alignment=TA_RIGHT),
        bullet=style("bullet", fontSize=11, leading=15, leftIndent=14, bulletIndent=3,
                     spaceAfter=3),
        reference=style("reference", fontSize=9, leading=12.5, leftIndent=26, bulletIndent=0,
                        spaceAfter=4),
        bullet_big=style("bullet_big", fontSize=12, leading=17, leftIndent=18, bulletIndent=4,
                         spaceAfter=5),
        callout=style("callout", fontSize=11, leading=15),
        big=style("big", fontSize=12, leading=17, spaceAfter=7),
        note=style("note", fontSize=10, leading=12.6),
        note_bullet=style("note_bullet", fontSize=10, leading=12.6, leftIndent=14,
                          bulletIndent=3, spaceAfter=2),
        note_label=style("note_label", fontName=f.bold, fontSize=10, leading=12.6,
                         textColor=MUTED),
        option_row=style("option_row", fontName=f.bold, fontSize=12, leading=15,
                         textColor=ACCENT),
    )


def table_style(commands: list[TableCommand]) -> TableStyle:
    """A TableStyle whose cell font is the embedded one (reportlab's default is Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), register_fonts().regular), *commands])


def grid_table_style(*, header_rows: int = 1) -> TableStyle:
    """Light horizontal rules, a shaded header row, cells aligned to the top."""
    f = register_fonts()
    commands: list[TableCommand] = [
        ("FONTNAME", (0, 0), (-1, -1), f.regular),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, ACCENT),
        ]
    return TableStyle(commands)


def field_table_style() -> TableStyle:
    """Label/value pairs: no header, muted labels, a hairline between rows."""
    return grid_table_style(header_rows=0)
