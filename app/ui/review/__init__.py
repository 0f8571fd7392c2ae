"""The Review workspace: a person checks an inspection run's flagged parts, by keyboard.

Modules, one job each:
    parts.py           facts out of stored results (classes, zones, reasons, the run's recipe)
    queue.py           ReviewQueue: flagged parts by risk, filters, cursor, progress (no Qt)
    prelabeler.py      Prelabeler: predicts parts sent to labeling in the background (the
                       project image and boxes pre-label: app/jobs/review_labeling.py)
    actions.py         the workspace's QActions (keys, tooltips) in one table
    loader.py          PartLoader: part images read and window/levelled on a worker thread
    part_view.py       PartView: the Label canvas, read-only, components outlined by grade
    details.py         DetailsPanel: verdict, reasons, components of the shown part
    queue_view.py      QueuePanel: filter combos, the parts list, progress and mean time
    override_dialog.py OverrideDialog: another grade and a required reason
    run_bar.py         RunBar: run picker, new run, resume, job progress
    run_dialog.py      NewRunDialog: images, model, recipe of a new inspection run
    launcher.py        InspectionLauncher: app.jobs.inspection on a JobRunner
    summary.py         SummaryPanel: parts per grade, Pareto by class and zone (pyqtgraph)
    export.py          ReportExporter: app.jobs.reports.write_report into a chosen folder
    workspace.py       ReviewWorkspace: composes all of the above

Keys: J or Down next part, K or Up previous, C or Enter confirm the model's grade, O override
(grade 1..n, a reason, Enter), L send to labeling, R reference good part beside, Ctrl+0 fit,
Ctrl+Shift+A audit trail. The view zooms with the wheel and pans with middle-drag or
Space+drag, as in the Label workspace.
"""
