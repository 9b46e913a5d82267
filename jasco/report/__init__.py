"""The report engine, task-agnostic: a report is the task's registered sections built from its
scored files and rendered in every format.

Modules: ``sections`` (``Table``, the ``Section`` protocol, ``SectionRegistry``, ``ReportSpec``:
what a task supplies), ``build`` (``build_report(files, task=...)``), ``bootstrap`` (percentile
bootstrap helpers), ``formatting``, ``render`` (the renderer registry, ``render`` and
``write_report``), ``render_text`` (table, markdown, CSV, JSON) and ``render_html`` (one page).
JASCO's sections are in ``jasco.tasks.jasco.report``.
"""
