"""The report stage: judged CSVs -> the paper's tables, confidence intervals, judge agreement.

Modules: ``load`` (read and validate judged files into one long table), ``fingerprint`` (is a
clip from this dataset?), ``grid`` (one (ALLM, judge) pair as clip x variant arrays),
``metrics`` (pure metric functions, denominators in their docstrings), ``bootstrap``,
``agreement`` (Fleiss, Cohen, Krippendorff), ``sections`` (the extension point: each report
section is a registered builder), ``build`` (``build_report``), ``render`` (the renderer
registry, ``render`` and ``write_report``), ``render_text`` and ``render_html``.
"""
