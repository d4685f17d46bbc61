"""班级信息: the provincial statistics system's class roster (HTTP, page/size, updated_since)."""

from connectors.class_roster.source import ClassRoster

__all__ = ["ClassRoster"]
