"""`python -m analysis targets|weights` end to end on temporary files (in-process main())."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main

UNITS_CSV = """unit_code,kind,name,field,transactions
pho_chau,thi_tran,Phố Châu,,1200
pho_chau,thi_tran,Phố Châu,ho_tich,700
pho_chau,thi_tran,Phố Châu,dat_dai,500
son_kim_1,xa,Sơn Kim 1,ho_tich,90
son_kim_1,xa,Sơn Kim 1,dat_dai,30
son_tay,xa,Sơn Tây,ho_tich,400
son_tay,xa,Sơn Tây,dat_dai,200
"""

DESIGN_TOML = """
[design]
stratum = "unit_code"
population = "units.csv"

[adjustment]
method = "rake"
tolerance = 1e-12
collapse = { age_group = { "5" = "4" } }

[[adjustment.margins]]
columns = ["unit_code", "field"]
targets = "units.csv"
count = "transactions"

[[adjustment.margins]]
columns = "sex"
targets = { "1" = 900, "2" = 1020 }

[[adjustment.margins]]
columns = "age_group"
targets = { "1" = 300, "2" = 500, "3" = 600, "4" = 400, "5" = 120 }

[trimming]
lower = 0.3
upper = 3.0
relative_to_mean = true
strict = true
"""


def write_responses(path: Path, rows: int = 240, seed: int = 1) -> pd.DataFrame:
    """A raw-export-shaped responses CSV (metadata columns, then answer codes as text)."""
    rng = np.random.default_rng(seed)
    responses = pd.DataFrame(
        {
            "response_id": [f"R{i:05d}" for i in range(rows)],
            "submission_id": [f"S{i:05d}" for i in range(rows)],
            "round_code": "2021-Q4",
            "unit_code": rng.choice(["pho_chau", "son_kim_1", "son_tay"], rows, p=[0.5, 0.2, 0.3]),
            "form_id": "sipas-commune",
            "form_version": "2021.1",
            "submitted_at": "2021-11-02T03:04:05Z",
            "channel": "qr",
            "duration_seconds": rng.integers(60, 600, rows),
            "field": rng.choice(["ho_tich", "dat_dai"], rows),
            "sex": rng.choice(["1", "2"], rows),
            "age_group": rng.choice(["1", "2", "3", "4", "5"], rows),
            "access_1": rng.choice(["1", "2", "3", "4", "5", "9", ""], rows),
        }
    )
    responses.to_csv(path, index=False)
    return responses


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (tmp_path / "design.toml").write_text(DESIGN_TOML, encoding="utf-8")
    write_responses(tmp_path / "responses.csv")
    return tmp_path


def run_weights(workspace: Path, design: str = "design.toml") -> int:
    return main(
        [
            "weights",
            str(workspace / "responses.csv"),
            str(workspace / design),
            "--out",
            str(workspace / "weighted.csv"),
            "--report",
            str(workspace / "report.json"),
        ]
    )


def test_weights_writes_weighted_responses_and_a_report(workspace: Path) -> None:
    assert run_weights(workspace) == 0
    weighted = pd.read_csv(workspace / "weighted.csv", dtype=str, keep_default_na=False)
    original = pd.read_csv(workspace / "responses.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(weighted.drop(columns="weight"), original)
    weights = weighted["weight"].astype(float)
    assert weights.sum() == pytest.approx(1920, rel=1e-12)

    report = json.loads((workspace / "report.json").read_text())
    assert [step["step"] for step in report["steps"]] == ["design", "rake", "trim"]
    design, raking, trim = report["steps"]
    assert design["strata_with_respondents"] == 3
    assert design["sum"] == pytest.approx(1920)
    assert raking["converged"] is True
    assert raking["max_margin_deviation"] < 1e-8
    assert raking["skipped_target_rows"] == {"unit_code×field": 1}
    assert raking["collapse"] == {"age_group": {"5": "4"}}
    mean = 1920 / 240
    assert trim["lower"] == pytest.approx(0.3 * mean)
    assert weights.between(0.3 * mean - 1e-9, 3.0 * mean + 1e-9).all()
    assert report["summary"]["kish_deff"] >= 1.0
    assert report["summary"]["n"] == 240


def test_raked_weights_hit_the_field_margin_without_trimming(workspace: Path) -> None:
    design = DESIGN_TOML.split("[trimming]")[0]
    (workspace / "untrimmed.toml").write_text(design, encoding="utf-8")
    assert run_weights(workspace, "untrimmed.toml") == 0
    weighted = pd.read_csv(workspace / "weighted.csv", dtype=str)
    weights = weighted["weight"].astype(float)
    sums = weights.groupby([weighted["unit_code"], weighted["field"]]).sum()
    assert sums[("son_kim_1", "ho_tich")] == pytest.approx(90, rel=1e-8)
    assert sums[("pho_chau", "dat_dai")] == pytest.approx(500, rel=1e-8)
    by_sex = weighted["weight"].astype(float).groupby(weighted["sex"]).sum()
    assert by_sex["1"] == pytest.approx(900, rel=1e-8)


def test_one_sided_trimming_reports_valid_json(workspace: Path) -> None:
    design = DESIGN_TOML.replace("lower = 0.3\n", "").replace("strict = true", "strict = false")
    (workspace / "upper_only.toml").write_text(design, encoding="utf-8")
    assert run_weights(workspace, "upper_only.toml") == 0
    trim = json.loads((workspace / "report.json").read_text())["steps"][2]
    assert trim["lower"] is None
    assert trim["upper"] == pytest.approx(3.0 * 1920 / 240)


def test_post_stratify_and_linear_methods(workspace: Path) -> None:
    post = """
[design]
population = { pho_chau = 1200, son_kim_1 = 120, son_tay = 600 }
[adjustment]
method = "poststratify"
[[adjustment.margins]]
columns = ["sex"]
targets = { "1" = 900, "2" = 1020 }
"""
    (workspace / "post.toml").write_text(post, encoding="utf-8")
    assert run_weights(workspace, "post.toml") == 0
    linear = post.replace('"poststratify"', '"linear"')
    (workspace / "linear.toml").write_text(linear, encoding="utf-8")
    post_weights = pd.read_csv(workspace / "weighted.csv")["weight"]
    assert run_weights(workspace, "linear.toml") == 0
    linear_weights = pd.read_csv(workspace / "weighted.csv")["weight"]
    np.testing.assert_allclose(linear_weights, post_weights, rtol=1e-10)
    report = json.loads((workspace / "report.json").read_text())
    assert report["steps"][1]["calibration_columns"] == ["sex=1", "sex=2"]


NO_ADJUSTMENT = "[adjustment]\nmethod = 'none'\n"


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ("[design]\npopulation = 'missing.csv'\n" + NO_ADJUSTMENT, "not found"),
        ("[design]\npopulation = { pho_chau = 1 }\n" + NO_ADJUSTMENT, "no population count"),
        ("[design\n", "not valid TOML"),
        ("[design]\npopulation = 'units.csv'\nstratm = 'x'\n", "unknown [design] key"),
        (
            "[design]\npopulation = 'units.csv'\n[adjustment]\nmethod = 'rake'\n"
            "[[adjustment.margins]]\ncolumns = 'sex'\ntargets = { '1' = 10 }\n",
            "level '2' has",
        ),
        (
            "[design]\npopulation = 'units.csv'\n"
            "[adjustment]\nmethod = 'rake'\nmax_iterations = 1\n"
            "[[adjustment.margins]]\ncolumns = 'sex'\ntargets = { '1' = 10, '2' = 10 }\n"
            "[[adjustment.margins]]\ncolumns = 'field'\n"
            "targets = { 'ho_tich' = 5, 'dat_dai' = 15 }\n",
            "did not converge",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    workspace: Path, capsys: pytest.CaptureFixture[str], design: str, message: str
) -> None:
    (workspace / "bad.toml").write_text(design, encoding="utf-8")
    assert run_weights(workspace, "bad.toml") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert message in err
    assert not (workspace / "weighted.csv").exists()


def test_missing_responses_file_exits_2(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "responses.csv").unlink()
    assert run_weights(workspace) == 2
    assert "not found" in capsys.readouterr().err


def test_duplicate_response_ids_are_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    responses = pd.read_csv(workspace / "responses.csv", dtype=str)
    pd.concat([responses, responses.iloc[:1]]).to_csv(workspace / "responses.csv", index=False)
    assert run_weights(workspace) == 2
    assert "duplicate 'response_id'" in capsys.readouterr().err


def test_targets_writes_unit_and_cell_targets(workspace: Path) -> None:
    shares = "sex,age_group,share\n1,1,0.25\n1,2,0.25\n2,1,0.25\n2,2,0.25\n"
    (workspace / "shares.csv").write_text(shares, encoding="utf-8")
    code = main(
        [
            "targets",
            str(workspace / "units.csv"),
            "--floor",
            "xa=150",
            "--floor",
            "thi_tran=200",
            "--out",
            str(workspace / "targets.csv"),
            "--field-cells",
            str(workspace / "fields.csv"),
            "--sex-age-shares",
            str(workspace / "shares.csv"),
            "--sex-age-cells",
            str(workspace / "sex_age.csv"),
        ]
    )
    assert code == 0
    targets = pd.read_csv(workspace / "targets.csv")
    assert targets["target"].tolist() == [300, 120, 240]
    fields = pd.read_csv(workspace / "fields.csv")
    assert fields.groupby("unit_code")["target"].sum().to_dict() == {
        "pho_chau": 300,
        "son_kim_1": 120,
        "son_tay": 240,
    }
    assert fields["target"].tolist() == [175, 125, 90, 30, 160, 80]
    sex_age = pd.read_csv(workspace / "sex_age.csv", dtype={"sex": str, "age_group": str})
    assert sex_age[sex_age["unit_code"] == "pho_chau"]["target"].tolist() == [75, 75, 75, 75]


def test_targets_to_stdout_with_cochran(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["targets", str(workspace / "units.csv"), "--method", "cochran"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "unit_code,kind,transactions,n_formula,target,margin_of_error"
    assert lines[1].startswith("pho_chau,thi_tran,1200,292,292,")


def test_bad_cli_arguments_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["targets", str(workspace / "units.csv"), "--floor", "xa"])
    assert exited.value.code == 2
    assert "KIND=N" in capsys.readouterr().err
    assert main(["targets", str(workspace / "units.csv"), "--error", "2"]) == 2
    assert "margin of error e" in capsys.readouterr().err


def test_python_dash_m_analysis_runs(workspace: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "analysis", "targets", str(workspace / "units.csv")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("unit_code,kind,transactions")


def test_the_cli_loads_no_web_modules() -> None:
    check = (
        "import sys, analysis.cli; "
        "web = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'survey_app', 'werkzeug')); "
        "print(web); sys.exit(1 if web else 0)"
    )
    finished = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
