"""Paper questionnaires: printable A4 forms generated from the round's questionnaire version,
each sheet with a unique serial number (and its QR), issued in batches per unit."""
