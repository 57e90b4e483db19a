"""Administrative units as data: communes with validity dates, predecessors and successors, and
their transaction counts (the population of the survey), imported all-or-nothing."""
