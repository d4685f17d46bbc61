"""全国教师管理信息系统: a quarterly full snapshot of each city's staff."""

from connectors.teachers.source import Teachers

__all__ = ["Teachers"]
