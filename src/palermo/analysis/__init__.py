"""Pure analysis cores: network, roles, key players, money, patterns, restitution.

Everything here works on plain data (:class:`palermo.analysis.data.CaseData` and
dataclasses); nothing opens an HTTP connection or a database session. Import the
submodules directly (``from palermo.analysis.graph import build_graph``) so that
light users do not pay for numpy/igraph imports.
"""
