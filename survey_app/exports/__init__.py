"""Exports of raw responses (CSV, XLSX, SPSS) with their weights, and of the weighted estimates."""
