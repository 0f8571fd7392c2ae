"""The Label workspace: a fast canvas over 20-50 MP images, tools from app.core.editing,
per-image undo, and masks committed to the project in the background after every stroke.

Modules, one job each:
    settings.py   LabelSettings: the observable model the tool bar edits (tool, class, brush...)
    viewport.py   ViewTransform: zoom/pan math between widget and image coordinates
    image_layer.py ImageLayer: raw pixels + the window/level uint8 copy that is drawn
    palette.py    class colours -> a (256,) ARGB32 lookup table
    overlay.py    MaskOverlay: class-coloured tiles, recoloured only inside dirty rectangles
    canvas.py     LabelCanvas: paints layers, zoom/pan, forwards left-button input
    previews.py   what each tool draws over the canvas (dispatch table by ToolMode)
    controller.py ToolController: image-coordinate events -> core tools (dispatch table)
    undo.py       QUndoStack per image, commands wrapping core MaskEdit atoms, byte budget
    committer.py  MaskCommitter: coalesced background commits of whole masks
    loader.py     ImageLoader: load image + mask on workers, LRU cache, neighbour prefetch
    toolbar.py    LabelToolBar: widgets bound to LabelSettings
    actions.py    the workspace's QActions (shortcuts, tooltips) in one table
    workspace.py  LabelWorkspace: composes all of the above
    drive.py      synthetic mouse/key input at image coordinates (tests and bench)
"""
