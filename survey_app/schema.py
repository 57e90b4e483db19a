"""Every table of the service: importing this module registers each capability's models.

The models live with their capability (``survey_app.<capability>.models``) and refer to one
another by class name; SQLAlchemy resolves those names only once every class is imported. Alembic
(``migrations/env.py``) and the app factory import this module so ``Base.metadata`` is whole.
"""

from __future__ import annotations

from sqlalchemy.orm import configure_mappers

from survey_app.paper import models as paper_models
from survey_app.par import council_models as par_council_models
from survey_app.par import models as par_models
from survey_app.par import publication_models as par_publication_models
from survey_app.quotas import models as quota_models
from survey_app.responses import models as response_models
from survey_app.responses import review as review_models
from survey_app.rounds import models as round_models
from survey_app.staff import models as staff_models
from survey_app.units import models as unit_models

MODEL_MODULES = (
    unit_models,
    staff_models,
    round_models,
    response_models,
    review_models,
    quota_models,
    paper_models,
    par_models,
    par_council_models,
    par_publication_models,
)


def configure() -> None:
    """Resolve every relationship now, so a mistake fails at start-up rather than mid-request."""
    configure_mappers()
