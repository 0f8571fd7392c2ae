"""The Label workspace: a fast canvas over 8/16-bit gray or RGB images up to 50 MP, the tools
of app.core.editing, undo per image, and masks committed in the background after every stroke.

Modules, one job each:
    settings.py    LabelSettings: the observable state the bars edit (tool, class, brush, ...)
    viewport.py    ViewTransform: zoom/pan math between widget and image coordinates
    image_layer.py ImageLayer: raw pixels (values) + the window/level uint8 copy that is drawn
    palette.py     class colours -> a 256-entry ARGB32 lookup table
    overlay.py     MaskOverlay: class-coloured tiles, recoloured only inside dirty rectangles
    prelabels.py   PreLabelLoader: the shown image's stored prediction -> pre-labels, on a worker
    prelabel_layer.py  PreLabelLayer: pre-labels drawn as 1 px class-coloured outlines
    canvas.py      LabelCanvas: paints the exposed region only; zoom/pan; forwards input
    previews.py    what each tool draws over the canvas (dispatch table by ToolMode)
    controller.py  ToolController: image-coordinate events -> core tools (TOOLS table)
    committer.py   MaskCommitter: coalesced background commits of whole masks
    loader.py      ImageLoader: image + mask loaded on workers, LRU cache, neighbour prefetch
    toolbar.py     LabelToolBar: the edit bar and view bar, bound to LabelSettings
    actions.py     the workspace's QActions (keys, tooltips) in one table; Undo/Redo follow
                   the core UndoHistories (app.core.editing.history: per image, byte budget)
    class_editor.py  ClassEditor: add, rename, recolour, reorder, delete defect classes (dialogs)
    marking.py     ImageMarker: Ctrl+Enter marks the image labeled, Ctrl+G a good part; next image
    workspace.py   LabelWorkspace: composes all of the above
    drive.py       synthetic mouse/key input at image coordinates (tests and bench)

Keys: B brush, E eraser, P polygon, F fill, K accept pre-labels (a click accepts the one under
the cursor), X subtract (polygons cut holes; Alt on the first vertex does it once), H hide the
mask, Shift+H hide the pre-labels, Shift+A accept all pre-labels, Shift+Del clear the
pre-labels (deletes the stored prediction; predict again to restore it), [ ] brush size, 1-9
defect class (in the class list's order; "+" beside it adds one, "Edit" or a right-click
renames, recolours, moves or deletes the selected one), Ctrl+Enter mark labeled and go on,
Ctrl+G mark a good part and go on, Page Down or D next image, Page Up or A previous image,
Ctrl+0 fit, Ctrl+Alt+0 100 %, Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo. On the canvas: Shift+click
draws a line from the last stroke, Backspace drops the last polygon vertex, Enter or a double-click
closes it, Escape cancels it, the wheel zooms about the cursor, middle-drag or Space+drag pans.

Painting needs a defect class of this project: without one, brush, polygon and fill are off
and a line under the bar says how to add one; the tools never paint a value the project lacks.

Pre-labels: a model's stored prediction of the shown image (the active model's, else the
newest model's that has one; threshold: project setting ``prelabel_threshold``, default 0.5)
becomes components (app.core.prelabel) drawn as outlines, never as fill, so they cannot be
taken for the annotation. Accepting is an ordinary undoable edit that fills background pixels
only: the engineer's labels are never erased or changed. Call ``reload_prelabels()`` after
predictions change; ``activated()`` does.

Memory for a 50 MP image: the raw pixels (50-300 MB by type), the uint8 display copy (50 MB
gray, 150 MB RGB), the mask (50 MB), and overlay tiles only where the mask holds labels (512 px
ARGB tiles; a fully labelled 50 MP mask would cost 200 MB, a typical one a few MB). The loader
caches 3 images (shown + 2 neighbours). Undo keeps 256 MB of diffs across all images: other
images' histories are dropped first, then the oldest steps of the shown one.
"""
