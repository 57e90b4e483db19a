"""Questionnaires as versioned TOML data: the frozen model, the loader that reports every problem,
`relevant` expressions and the server-side acceptance of answers."""
