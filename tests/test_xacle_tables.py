"""XACLE files: label / prediction / answers readers (bad input named by file and line) and the two
official outputs, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from jasco.tasks.xacle.tables import (
    XacleTableError,
    format_evaluation_result,
    format_submission,
    label_scores,
    read_labels,
    read_prediction_groups,
    read_predictions,
    write_evaluation_result,
    write_submission,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_labels_are_read_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path / "validation_average.csv",
                 '\ufeffwav_file_name,text,average_score\n07501.wav,"Rain, then thunder",8.25\n07500.wav,A dog,\n')
    rows = read_labels(path, require_text=True)
    assert [(r.wav_file_name, r.text, r.score, r.line) for r in rows] == [
        ("07501.wav", "Rain, then thunder", 8.25, 2), ("07500.wav", "A dog", None, 3)
    ]
    assert label_scores(rows) == {"07501.wav": 8.25, "07500.wav": None}


def test_a_label_file_without_average_score_names_the_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "gt.csv", "wav_file_name,text,score\n00000.wav,x,3\n")
    with pytest.raises(XacleTableError, match=r"gt\.csv: missing column\(s\) 'average_score'"):
        read_labels(path)


def test_a_repeated_wav_file_name_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "gt.csv", 'wav_file_name,text,average_score\na.wav,"two\nlines",3\nb.wav,y,4\na.wav,z,5\n')
    with pytest.raises(XacleTableError, match=r"gt\.csv line 5: wav_file_name 'a\.wav' repeats line 2"):
        read_labels(path)


@pytest.mark.parametrize("value", ["10.5", "-0.25", "11"])
def test_a_label_outside_0_10_names_file_line_and_value(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "gt.csv", f"wav_file_name,average_score\na.wav,3\nb.wav,{value}\n")
    with pytest.raises(XacleTableError, match=rf"gt\.csv line 3: average_score {value} is outside 0-10"):
        read_labels(path)


def test_a_label_that_is_not_a_number_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "gt.csv", "wav_file_name,average_score\na.wav,high\n")
    with pytest.raises(XacleTableError, match=r"line 2: average_score 'high' is not a number"):
        read_labels(path)


def test_other_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(XacleTableError, match="does not exist"):
        read_labels(tmp_path / "absent.csv")
    with pytest.raises(XacleTableError, match="empty file"):
        read_labels(write(tmp_path / "empty.csv", ""))
    with pytest.raises(XacleTableError, match=r"line 2: 3 fields, the header has 2"):
        read_labels(write(tmp_path / "wide.csv", "wav_file_name,average_score\na.wav,3,4\n"))
    with pytest.raises(XacleTableError, match=r"line 2: empty wav_file_name"):
        read_labels(write(tmp_path / "blank.csv", "wav_file_name,average_score\n ,3\n"))


def test_official_predictions_accept_any_number_and_empty(tmp_path: Path) -> None:
    path = write(tmp_path / "inference_result_for_validation.csv",
                 "wav_file_name,pred_score\n07500.wav,6.12\n07501.wav,\n07502.wav,12.5\n")
    assert read_predictions(path) == {"07500.wav": 6.12, "07501.wav": None, "07502.wav": 12.5}
    with pytest.raises(XacleTableError, match=r"line 3: wav_file_name '07500\.wav' repeats line 2"):
        read_predictions(write(tmp_path / "dup.csv", "wav_file_name,pred_score\n07500.wav,1\n07500.wav,2\n"))


def test_prediction_groups_read_both_layouts(tmp_path: Path) -> None:
    official = write(tmp_path / "baseline.csv", "wav_file_name,pred_score\na.wav,1.5\n")
    answers = write(tmp_path / "answers.csv",
                    "item_id,model,wav_file_name,raw,score\n"
                    "v/a/r,m1,a.wav,Score: 7,7\nv/b/r,m1,b.wav,no idea,\nv/a/r,m2,a.wav,8,8\n")
    assert read_prediction_groups(official) == {"baseline": {"a.wav": 1.5}}
    assert read_prediction_groups(answers) == {"m1": {"a.wav": 7.0, "b.wav": None}, "m2": {"a.wav": 8.0}}
    paraphrases = write(tmp_path / "paraphrases.csv",
                        "model,template,wav_file_name,score\nm1,xacle/a.v1.j2,a.wav,1\nm1,xacle/b.v1.j2,a.wav,2\n")
    assert read_prediction_groups(paraphrases) == {
        "m1 / xacle/a.v1.j2": {"a.wav": 1.0}, "m1 / xacle/b.v1.j2": {"a.wav": 2.0}
    }
    with pytest.raises(XacleTableError, match=r"\(group 'm1'\) repeats line 2"):
        read_prediction_groups(write(tmp_path / "dup.csv", "model,wav_file_name,score\nm1,a.wav,1\nm1,a.wav,2\n"))
    with pytest.raises(XacleTableError, match="neither the official prediction layout"):
        read_prediction_groups(write(tmp_path / "other.csv", "wav_file_name,guess\na.wav,1\n"))


def test_evaluation_result_is_the_official_layout(tmp_path: Path) -> None:
    values = {"SRCC": 0.6402, "LCC": 1 / 3, "KTAU": 0.0, "MSE": 3.25, "N": 3000}
    expected = "metric,value\r\nSRCC,0.6402\r\nLCC,0.3333333333333333\r\nKTAU,0.0\r\nMSE,3.25\r\nN,3000\r\n"
    assert format_evaluation_result(values) == expected
    path = write_evaluation_result(tmp_path / "out" / "evaluation_result.csv", values)
    assert path.read_bytes() == expected.encode()


def test_submission_rounds_to_two_decimals_as_the_baselines_write_it(tmp_path: Path) -> None:
    text, filled = format_submission({"10500.wav": 7.0, "10501.wav": 6.126, "10502.wav": 3.14159})
    assert text == "wav_file_name,pred_score\r\n10500.wav,7.0\r\n10501.wav,6.13\r\n10502.wav,3.14\r\n"
    assert filled == 0


def test_submission_needs_a_score_for_every_pair_unless_a_fill_is_given(tmp_path: Path) -> None:
    predictions = {"10500.wav": 7.0, "10501.wav": None, "10502.wav": float("nan")}
    with pytest.raises(XacleTableError, match=r"2 of 3 pairs have no score \(10501\.wav, 10502\.wav\)"):
        format_submission(predictions)
    path = tmp_path / "submission.csv"
    assert write_submission(path, predictions, fill=5.0) == 2
    assert path.read_text() == "wav_file_name,pred_score\n10500.wav,7.0\n10501.wav,5.0\n10502.wav,5.0\n"
