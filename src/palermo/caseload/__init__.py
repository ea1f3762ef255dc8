"""Caseload and outcomes: lifecycle, hearings, deadlines, witness risk, statistics.

Pure functions over the dataclasses in :mod:`palermo.caseload.records`; the database side
is in :mod:`palermo.services.caseload`.
"""
