"""学校（机构）代码管理: the school register, a full CSV list whenever it changes."""

from connectors.institution_codes.source import InstitutionCodes

__all__ = ["InstitutionCodes"]
