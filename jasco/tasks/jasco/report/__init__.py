"""JASCO's report: judged files loaded into clip x variant grids, the paper's metrics and the
report sections (results, averages, variants, paired differences, agreement, validity, explorer)."""
