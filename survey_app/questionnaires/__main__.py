"""``python -m survey_app.questionnaires [PATH ...]``: check questionnaire files or folders."""

from survey_app.questionnaires.loading import main

raise SystemExit(main())
