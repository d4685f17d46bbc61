"""教育信息化管理: the quarterly school ICT survey (HTTP, page + has_more)."""

from connectors.ict_survey.source import IctSurveyConnector

__all__ = ["IctSurveyConnector"]
