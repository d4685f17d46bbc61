"""全国中小学生学籍信息管理系统: a monthly full snapshot of each county's pupils."""

from connectors.student_registry.source import StudentRegistry

__all__ = ["StudentRegistry"]
