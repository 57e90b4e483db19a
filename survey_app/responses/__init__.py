"""The stored response every capability reads: its model, the quality flags fixed when it is
stored, and the one boundary that turns stored rows into the DataFrames of `analysis`."""
