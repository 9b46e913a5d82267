"""Agreement statistics against published worked examples, and the bootstrap against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from jasco.report.bootstrap import paired_difference, percentile_ci, replicate_means, replicate_shares, resample_indices
from jasco.tasks.jasco.report.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 coders x 12 units example
# with missing values; the paper gives alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_krippendorff_alpha_published_example(level: str, expected: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_by_hand() -> None:
    # two coders, pairs (0,0) (1,1) (0,1): coincidences o00=2 o11=2 o01=o10=1, n0=n1=3, n=6;
    # nominal: observed disagreement 2, expected 2*3*3 = 18 -> alpha = 1 - 5*2/18 = 4/9.
    data = np.array([[0, 1, 0], [0, 1, 1]], dtype=float)
    assert krippendorff_alpha(data, "nominal") == pytest.approx(4 / 9)
    assert np.isnan(krippendorff_alpha(np.array([[1.0, 1.0], [1.0, 1.0]]), "ordinal"))  # no variation


def test_fleiss_kappa_wikipedia_example() -> None:
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
    table = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert fleiss_kappa(table) == pytest.approx(0.2099, abs=1e-4)
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa(np.array([[1, 1], [2, 1]]))


def test_cohen_kappa_textbook_and_sklearn() -> None:
    # Wikipedia's example: 50 items, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    rng = np.random.default_rng(3)
    a, b = list(rng.integers(0, 3, 200)), list(rng.integers(0, 3, 200))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_bootstrap_matches_a_plain_loop() -> None:
    per_clip = np.array([2.0, 1.0, NAN, 0.0, 2.0])
    counts = np.array([[1, 2, 0, 1], [0, 1, 3, 0], [0, 0, 0, 2], [2, 0, 1, 0], [1, 1, 1, 1]])
    indices = resample_indices(5, 300, seed=11)
    assert indices.shape == (300, 5)
    assert np.array_equal(indices, np.random.default_rng(11).integers(0, 5, size=(300, 5)))
    means = replicate_means(per_clip, indices)
    shares = replicate_shares(counts, indices)
    for row, draw in enumerate(indices):
        values = [per_clip[i] for i in draw if not np.isnan(per_clip[i])]
        expected = sum(values) / len(values) if values else NAN
        assert means[row] == pytest.approx(expected, nan_ok=True)
        summed = counts[draw].sum(axis=0)
        assert shares["both"][row] == pytest.approx(summed[1] / summed[:3].sum())
    lo, hi = percentile_ci(means)
    finite = np.sort(means[np.isfinite(means)])
    assert lo == pytest.approx(np.percentile(finite, 2.5)) and hi == pytest.approx(np.percentile(finite, 97.5))


def test_paired_difference_constant_shift() -> None:
    a = np.array([2.0, 1.0, 2.0, NAN])
    b = a - 0.5
    b[0] = NAN  # clip 0 and 3 not common
    result = paired_difference(a, b, resample_indices(4, 200, seed=0))
    assert result["n_clips"] == 2 and result["difference"] == pytest.approx(0.5)
    assert result["ci"] == pytest.approx([0.5, 0.5]) and result["p_value"] == 0.0


def test_bootstrap_p_value_by_hand() -> None:
    from jasco.report.bootstrap import bootstrap_p_value

    # 10 replicates: 2 at or below 0 (-1, 0) and 9 at or above 0 (0 and 8 positives) -> 2 * 2/10 = 0.4
    replicates = np.array([-1.0, 0.0, 1, 2, 3, 4, 5, 6, 7, 8, NAN])
    assert bootstrap_p_value(replicates) == pytest.approx(0.4)
    assert bootstrap_p_value(np.array([NAN])) != bootstrap_p_value(np.array([NAN]))  # NaN
