"""Checks of the identifiers a clerk meets: ID number, 全国学籍号, 学校标识码."""

from __future__ import annotations

from schemas.identifiers import Check, check_id_number, check_school_code, check_xjh, identify

KINDS = ("auto", "id_number", "xjh", "school_code")


def check_identifier(*, value: str, kind: str = "auto", province: str = "32") -> Check:
    """Validate ``value`` as ``kind`` (or guess the kind) and say why it fails."""
    if kind == "id_number":
        return check_id_number(value)
    if kind == "xjh":
        return check_xjh(value)
    if kind == "school_code":
        return check_school_code(value, province=province)
    return identify(value)
