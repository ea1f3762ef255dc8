"""The top navigation and the case tabs, as data.

To add an area or a case tab: write its router module, add the router to
``ROUTERS`` in :mod:`palermo.web.app`, and add (or switch on) its entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    href: str
    live: bool = True
    # Shown only to these roles (empty: everyone).
    roles: frozenset[str] = frozenset()

    def shown_to(self, role: str) -> bool:
        return not self.roles or role in self.roles


@dataclass(frozen=True, slots=True)
class CaseTab:
    key: str
    label: str
    # Appended to ``/cases/{reference}``; "" is the overview.
    suffix: str
    live: bool = True

    def href(self, reference: str) -> str:
        return f"/cases/{quote(reference, safe='')}{self.suffix}"


TOP_NAV: list[NavItem] = [
    NavItem("caseload", "Caseload", "/cases"),
    NavItem("dashboard", "Dashboard", "/dashboard"),
    NavItem("outcomes", "Outcomes", "/outcomes"),
    NavItem("caselaw", "Case law", "/caselaw", live=False),
    NavItem("cooperation", "Cooperation", "/cooperation", live=False),
    NavItem("admin", "Admin", "/admin", roles=frozenset({"admin"})),
    NavItem("audit", "Audit log", "/audit", roles=frozenset({"admin", "auditor"})),
]

CASE_TABS: list[CaseTab] = [
    CaseTab("overview", "Overview", ""),
    CaseTab("evidence", "Evidence", "/evidence"),
    CaseTab("people", "People", "/people"),
    CaseTab("records", "Records", "/records"),
    CaseTab("documents", "Documents", "/documents"),
    CaseTab("elements", "Elements", "/elements"),
    CaseTab("network", "Network", "/network"),
    CaseTab("money", "Money", "/money"),
    CaseTab("timeline", "Timeline", "/timeline"),
    CaseTab("hearings", "Hearings & witnesses", "/hearings"),
    CaseTab("memo", "Memo", "/memo"),
    CaseTab("charges", "Charges & outcomes", "/charges"),
    CaseTab("details", "Details & members", "/details"),
]
