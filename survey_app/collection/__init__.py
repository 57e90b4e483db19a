"""The citizen side: the questionnaire pages behind a signed link, and recording each response
exactly once."""
