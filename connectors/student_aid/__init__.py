"""全国学生资助管理信息系统: aid payments and registered poor households (exchange database)."""

from connectors.student_aid.source import StudentAid

__all__ = ["StudentAid"]
