"""Typed SQLAlchemy 2 models, one module per aggregate."""

from survey_app.models import par as par  # registers the PAR Index tables (models/par.py)
from survey_app.models import quotas as quotas  # registers quota_cell (models/quotas.py)
from survey_app.models.accounts import ROLES, AuditEvent, User
from survey_app.models.responses import Response
from survey_app.models.rounds import QUOTA_POLICIES, RoundUnit, SurveyLink, SurveyRound
from survey_app.models.units import UNIT_KINDS, AdminUnit, TransactionCount, unit_predecessor

__all__ = [
    "QUOTA_POLICIES",
    "ROLES",
    "UNIT_KINDS",
    "AdminUnit",
    "AuditEvent",
    "Response",
    "RoundUnit",
    "SurveyLink",
    "SurveyRound",
    "TransactionCount",
    "User",
    "unit_predecessor",
]
