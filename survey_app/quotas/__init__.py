"""Quotas: response targets per unit and cell from the sampling plan, the atomic check made when a
response is recorded, and the targets pages."""
