"""The Grade workspace: tune a recipe on a part (thresholds, floors, zones, rules) and see what
it does to the part and to the labeled set (what-if). Entry point: workspace.GradeWorkspace."""
