"""The district's administration pages: survey rounds and their links, administrative units and
transaction counts, staff accounts, and clearing the demo. Everything an Office of Home Affairs
does in a year without the command line (as warehouse's ``admin`` package does for PyPI).

It sits above every capability, whose models and services it uses; no capability imports it.
"""
