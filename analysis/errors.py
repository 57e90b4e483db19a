"""The one exception type the analysis library raises for bad input."""


class AnalysisError(ValueError):
    """Input data or parameters the analysis cannot use.

    The message names the column, cell, stratum or parameter at fault and says how to fix it,
    so the CLI and the web app can show it to staff as is.
    """
