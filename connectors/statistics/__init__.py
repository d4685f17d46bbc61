"""教育事业统计: classes per size band, one workbook per county and year."""

from connectors.statistics.source import Statistics

__all__ = ["Statistics"]
