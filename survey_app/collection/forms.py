"""Flask-WTF forms. The questionnaire's own answers are validated by ``validate_answers``;
this form carries CSRF and the hidden bookkeeping every survey page posts back."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Optional, Regexp

from survey_app.collection.form_tokens import TOKEN_PATTERN
from survey_app.i18n import LANGUAGES

# \Z, not $: WTForms' Regexp uses re.match, and "$" also matches before a trailing newline, which
# let "<uuid>\n" through (37 characters: a 500 on PostgreSQL's varchar(36)).
SUBMISSION_ID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z"


class SurveyPageForm(FlaskForm):
    submission_id = HiddenField(validators=[DataRequired(), Regexp(SUBMISSION_ID_PATTERN)])
    # The signed form load (collection.form_tokens), holding the server's start time.
    started_at = HiddenField(validators=[DataRequired(), Regexp(TOKEN_PATTERN)])
    # [0-9], not \d: \d also matches other scripts' digits ("٣"), which int() reads.
    page = HiddenField(validators=[DataRequired(), Regexp(r"[0-9]{1,3}\Z")])
    lang = HiddenField(validators=[AnyOf(LANGUAGES)])
    # "lang" is the language button: it posts the page so no answer is lost.
    action = HiddenField(validators=[AnyOf(("next", "back", "submit", "lang"))])
    # The signed kiosk flag (collection/kiosk.py), empty on a citizen's own phone.
    kiosk = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{12}$")])


#: Field names the page form itself owns; anything else must be a question of the form.
META_FIELDS = frozenset(
    {"csrf_token", "submission_id", "started_at", "page", "lang", "action", "kiosk"}
)
