"""The review queue: a round's quality policy, and reviewers deciding which doubtful responses
count. Decisions are audited and reversible until a published PAR Index froze the results."""
