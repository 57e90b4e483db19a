"""`python -m analysis estimate` end to end on temporary files (in-process main())."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.codebook import read_codebook
from analysis.design import Design
from analysis.recode import recode_scores
from analysis.sipas import satisfaction_index

QUESTIONNAIRE = (
    """
[settings]
form_id = "sipas-commune"
version = "2021.1"
default_language = "vi"
form_title = { vi = "Khảo sát", en = "Survey" }

[[factors]]
name = "access"
label = { vi = "Tiếp cận dịch vụ", en = "Access" }

[[factors]]
name = "results"
label = { vi = "Kết quả", en = "Results" }

[[survey]]
name = "field"
type = "select_one"
list_name = "field"
label = { vi = "Lĩnh vực", en = "Field" }

[[survey]]
name = "access_1"
type = "select_one"
list_name = "satisfaction"
factor = "access"
label = { vi = "A1", en = "A1" }

[[survey]]
name = "access_2"
type = "select_one"
list_name = "satisfaction"
factor = "access"
label = { vi = "A2", en = "A2" }

[[survey]]
name = "results_1"
type = "select_one"
list_name = "satisfaction"
factor = "results"
label = { vi = "R1", en = "R1" }

[[survey]]
name = "overall"
type = "select_one"
list_name = "satisfaction"
label = { vi = "Chung", en = "Overall" }

[[choices]]
list_name = "field"
name = "ho_tich"
label = { vi = "Hộ tịch", en = "Civil status" }

[[choices]]
list_name = "field"
name = "dat_dai"
label = { vi = "Đất đai", en = "Land" }
"""
    + "".join(
        f"""
[[choices]]
list_name = "satisfaction"
name = "{code}"
label = {{ vi = "{code}", en = "{code}" }}
value = {code}
"""
        for code in range(1, 6)
    )
    + """
[[choices]]
list_name = "satisfaction"
name = "9"
label = { vi = "Không trả lời", en = "No answer" }
missing = true
"""
)

UNITS_CSV = """unit_code,kind,field,transactions
pho_chau,thi_tran,ho_tich,700
pho_chau,thi_tran,dat_dai,500
son_kim_1,xa,ho_tich,90
son_kim_1,xa,dat_dai,30
son_tay,xa,ho_tich,400
son_tay,xa,dat_dai,200
"""

DESIGN_TOML = """
[design]
stratum = "unit_code"
population = "units.csv"

[adjustment]
method = "rake"
tolerance = 1e-12

[[adjustment.margins]]
columns = ["unit_code", "field"]
targets = "units.csv"
count = "transactions"

[[adjustment.margins]]
columns = "sex"
targets = { "1" = 900, "2" = 1020 }
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    rows = 300
    answers = ["1", "2", "3", "4", "5", "9", ""]
    responses = pd.DataFrame(
        {
            "response_id": [f"R{i:04d}" for i in range(rows)],
            "unit_code": rng.choice(["pho_chau", "son_kim_1", "son_tay"], rows, p=[0.5, 0.2, 0.3]),
            "form_id": "sipas-commune",
            "form_version": "2021.1",
            "field": rng.choice(["ho_tich", "dat_dai"], rows),
            "sex": rng.choice(["1", "2"], rows),
            **{
                item: rng.choice(answers, rows, p=[0.05, 0.1, 0.15, 0.35, 0.25, 0.05, 0.05])
                for item in ("access_1", "access_2", "results_1", "overall")
            },
        }
    )
    responses.to_csv(tmp_path / "responses.csv", index=False)
    (tmp_path / "questionnaire.toml").write_text(QUESTIONNAIRE, encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS_CSV)
    (tmp_path / "design.toml").write_text(DESIGN_TOML)
    assert (
        main(
            [
                "weights",
                str(tmp_path / "responses.csv"),
                str(tmp_path / "design.toml"),
                "--out",
                str(tmp_path / "weighted.csv"),
                "--report",
                str(tmp_path / "weighting.json"),
            ]
        )
        == 0
    )
    return tmp_path


def run_estimate(workspace: Path, *options: str) -> int:
    return main(
        [
            "estimate",
            str(workspace / "weighted.csv"),
            str(workspace / "questionnaire.toml"),
            "--out",
            str(workspace / "index.csv"),
            "--report",
            str(workspace / "estimates.json"),
            *options,
        ]
    )


def test_estimate_writes_the_index_and_a_method_block(workspace: Path) -> None:
    code = run_estimate(
        workspace,
        "--units",
        str(workspace / "units.csv"),
        "--by",
        "unit_code",
        "--by",
        "field",
        "--min-n",
        "60",
        "--weighting-report",
        str(workspace / "weighting.json"),
    )
    assert code == 0
    index = pd.read_csv(workspace / "index.csv", keep_default_na=False, na_values=[""])
    assert set(index["by"]) == {"overall", "unit_code", "field"}
    assert index["level"].value_counts().to_dict() == {"item": 4 * 6, "factor": 2 * 6, "unit": 6}
    # The CLI's numbers are the library's on the recoded scores with N_h from the units table.
    weighted = pd.read_csv(workspace / "weighted.csv", dtype=str, keep_default_na=False)
    codebook = read_codebook(workspace / "questionnaire.toml")
    scores = recode_scores(weighted, codebook)
    data = pd.concat([weighted[["unit_code", "weight"]], scores], axis=1)
    data["weight"] = data["weight"].astype(float)
    design = Design(
        strata="unit_code", fpc={"pho_chau": 1200.0, "son_kim_1": 120.0, "son_tay": 600.0}
    )
    factors = {item.name: item.factor for item in codebook.items}
    expected = satisfaction_index(data, factors, design, by="unit_code", min_n=60)
    produced = index[index["by"] == "unit_code"].reset_index(drop=True)
    np.testing.assert_allclose(produced["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(produced["se"], expected["se"], rtol=1e-12)
    assert produced["small_sample"].tolist() == expected["small_sample"].tolist()
    assert produced["small_sample"].any()

    document = json.loads((workspace / "estimates.json").read_text())
    method = document["method"]
    assert method["questionnaire"] == {"form_id": "sipas-commune", "version": "2021.1"}
    assert method["parameters"]["by"] == ["unit_code", "field"]
    assert method["parameters"]["min_n"] == 60
    assert method["design"]["strata"] == "unit_code"
    assert method["inputs"]["fpc_source"] == str(workspace / "units.csv")
    assert method["weighting"]["method"] == "rake"
    assert "weights treated as fixed" in method["variance"]
    assert len(document["index"]) == len(index)
    assert {"mean_scores", "distribution"} <= set(document)
    overall = [row for row in document["distribution"] if row["by"] == "overall"]
    assert len(overall) == 4 * 5


def test_calibrated_se_uses_the_design_file(workspace: Path) -> None:
    assert run_estimate(workspace, "--design", str(workspace / "design.toml")) == 0
    fixed = pd.read_csv(workspace / "index.csv")
    assert (
        run_estimate(workspace, "--design", str(workspace / "design.toml"), "--calibrated-se") == 0
    )
    calibrated = pd.read_csv(workspace / "index.csv")
    np.testing.assert_allclose(calibrated["estimate"], fixed["estimate"], rtol=1e-12)
    assert not np.allclose(calibrated["se"], fixed["se"])
    method = json.loads((workspace / "estimates.json").read_text())["method"]
    assert "GREG" in method["variance"]
    assert method["inputs"]["fpc_source"].endswith("[design] population")


def test_estimate_refuses_bad_input(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_estimate(workspace, "--calibrated-se") == 2
    assert "--calibrated-se needs --design" in capsys.readouterr().err
    assert run_estimate(workspace, "--population-column", "transactions") == 2
    assert "column(s) ['transactions'] named by the design" in capsys.readouterr().err
    other = pd.read_csv(workspace / "weighted.csv", dtype=str).assign(form_version="2019.1")
    other.to_csv(workspace / "weighted.csv", index=False)
    assert run_estimate(workspace) == 2
    assert "form_version ['2019.1']" in capsys.readouterr().err
