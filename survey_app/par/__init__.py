"""The commune PAR Index: criteria sets as data, PAR rounds, self-assessment, appraisal, approval,
publication, the ranking table and its exports."""
