"""Monitoring: responses against targets per unit and cell, per day, pace and quality flags."""
