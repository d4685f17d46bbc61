"""高校毕业生就业: graduate destinations, one workbook per university and year."""

from connectors.graduate_employment.source import GraduateEmployment

__all__ = ["GraduateEmployment"]
