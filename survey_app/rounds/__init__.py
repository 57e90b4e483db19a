"""Survey rounds: a questionnaire version, an open period and its units; the signed per-unit
links with their QR codes and posters; which rounds and units a staff member may open."""
