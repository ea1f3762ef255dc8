import csv
import io
from pathlib import Path

import openpyxl

from palermo.caseload import context, htcds
from palermo.caseload.htcds import HtcdsPerson

REFERENCE_XLSX = Path(str(context.data_file(context.HTCDS_REFERENCE)))
DEFINITIONS_MD = Path(str(context.data_file(context.HTCDS_DEFINITIONS)))

PEOPLE = [
    HtcdsPerson(
        case_reference="HT-2024-001",
        person_ref="V1",
        role="victim",
        case_status="Open",
        case_owner="Unit A",
        gender="Female",
        citizenship="NG",
        birth_year=2007,
        is_minor=True,
        trafficking_status="Actual victim of trafficking",
        method_of_recruitment="Job offer abroad",
        location_of_recruitment="Benin City",
        methods_of_control=("MethodsOfControlDebtBondage", "MethodsOfControlWithholdsDocuments"),
        types_of_exploitation=("Sexual exploitation",),
        location_of_exploitation="Madrid",
    ),
    HtcdsPerson(
        case_reference="HT-2024-001",
        person_ref="V2",
        role="victim",
        case_status="Open",
        gender="Male",
        trafficking_status="Possible victim of trafficking",
        types_of_exploitation=("Forced labour",),
        forced_labour_industry="A_AgricultureForestryAndFishing",
    ),
    HtcdsPerson(
        case_reference="HT-2024-001",
        person_ref="S1",
        role="perpetrator",
        case_status="Closed",
        reason_for_case_closure="Convicted",
        gender="Male",
        citizenship="ES",
        perpetrator_role="recruiter",
        perpetrator_charged=True,
    ),
]


def test_mapping_columns_match_reference_spreadsheet() -> None:
    ws = openpyxl.load_workbook(REFERENCE_XLSX).worksheets[0]
    header = [c.value for c in ws[1]][1:]
    ours = [c.field for c in htcds.mapping().columns]
    # The reference leaves one header blank; every other field name is the same, in order.
    assert len(ours) == len(header)
    assert [o for o, h in zip(ours, header, strict=True) if h is not None and o != h] == []
    assert all(f.startswith("ext_") for f in (c.field for c in htcds.mapping().extensions))


def test_picklists_from_the_definitions() -> None:
    p = htcds.mapping().picklists
    text = DEFINITIONS_MD.read_text(encoding="utf-8")
    for field in ("vic_TraffickingStatus", "vic_MethodsOfControl", "vic_ForcedLabourIndustry"):
        assert p[field].defined_by == "htcds"
        for value in p[field].values:
            assert f"| {value}" in text, value
    assert len(p["vic_MethodsOfControl"].values) == 17


def test_csv_round_trip() -> None:
    out = io.StringIO()
    assert htcds.write_csv(PEOPLE, out) == 3
    text = out.getvalue()
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["cas_CaseOwner", "prs_Salutation", "prs_FirstName"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["vic_MethodsOfControl"] == (
        "MethodsOfControlDebtBondage;MethodsOfControlWithholdsDocuments"
    )
    # Never a real name: victims are exported under their pseudonym only.
    assert all(r["prs_FirstName"] == "" for r in rows)
    back = htcds.read_csv(text)
    assert back.problems == []
    assert back.people == PEOPLE


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert htcds.write_xlsx(PEOPLE, path) == 3
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.cell(2, 1).value == "Case Owner"  # label row like the reference
    back = htcds.read_xlsx(path)
    assert back.problems == [] and back.people == PEOPLE


def test_bad_rows_are_reported_and_kept() -> None:
    rows = htcds.to_rows(PEOPLE)
    rows[0]["vic_TraffickingStatus"] = "Probably a victim"
    rows[1]["vic_MethodsOfControl"] = "MethodsOfControlThreats;Blackmail"
    rows[2]["prs_Gender"] = "male"  # case differs only: accepted as Male
    rows[2]["ext_PerpetratorCharged"] = "maybe"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=htcds.known_fields(), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    result = htcds.read_csv(out.getvalue())
    assert result.rows == 3 and len(result.people) == 3
    assert [(p.row, p.field, p.value) for p in result.problems] == [
        (2, "vic_TraffickingStatus", "Probably a victim"),
        (3, "vic_MethodsOfControl", "Blackmail"),
        (4, "ext_PerpetratorCharged", "maybe"),
    ]
    assert str(result.problems[0]) == (
        "row 2, vic_TraffickingStatus: not in the picklist (value 'Probably a victim')"
    )
    first, second, third = result.people
    assert first.trafficking_status is None
    assert first.methods_of_control == PEOPLE[0].methods_of_control
    assert second.methods_of_control == ("MethodsOfControlThreats",)
    assert third.gender == "Male" and third.perpetrator_charged is None


def test_import_of_reference_template_with_a_filled_row(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(REFERENCE_XLSX)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header) if h}
    ws.cell(3, col["prs_Gender"], "Female")
    ws.cell(3, col["vic_TraffickingStatus"], "Actual victim of trafficking")
    ws.cell(3, col["vic_TypeOfExploitation"], "Sexual exploitation")
    ws.cell(4, col["prs_Gender"], "Woman")
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    result = htcds.read_xlsx(path)
    assert len(result.people) == 2
    assert result.people[0].role == "victim" and result.people[0].gender == "Female"
    fields = [(p.row, p.field) for p in result.problems]
    assert (4, "prs_Gender") in fields
    # No Palermo case reference in the plain template: reported, row kept.
    assert (3, "ext_CaseReference") in fields


def test_palermo_value_mapping() -> None:
    assert htcds.gender_from_sex("female") == "Female"
    assert htcds.gender_from_sex(None) == "Unknown"
    assert htcds.status_from_stage("diverted") == "Closed"
    assert htcds.status_from_stage("trial") == "Open"
    assert htcds.exploitation_from_typology("domestic_servitude") == ("Domestic servitude",)
    assert htcds.exploitation_from_typology("escort_ads_sex") == ("Sexual exploitation",)
    assert htcds.exploitation_from_typology("unknown thing") == ("Other",)
    assert htcds.exploitation_from_typology(None) == ()
