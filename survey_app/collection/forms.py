"""Flask-WTF forms. The questionnaire's own answers are validated by ``validate_answers``;
this form carries CSRF and the hidden bookkeeping every survey page posts back."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Regexp

from survey_app.i18n import LANGUAGES

SUBMISSION_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


class SurveyPageForm(FlaskForm):
    submission_id = HiddenField(validators=[DataRequired(), Regexp(SUBMISSION_ID_PATTERN)])
    started_at = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])
    page = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,3}$")])
    lang = HiddenField(validators=[AnyOf(LANGUAGES)])
    action = HiddenField(validators=[AnyOf(("next", "back", "submit"))])


#: Field names the page form itself owns; anything else must be a question of the form.
META_FIELDS = frozenset({"csrf_token", "submission_id", "started_at", "page", "lang", "action"})
