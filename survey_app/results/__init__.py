"""Weighted results of a round: the weighting chain, estimates with intervals, the method note
and the results pages."""
