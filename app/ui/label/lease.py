"""LeaseKeeper: the Label workspace's lease on the image it shows (team projects only).

Showing an image takes its lease (app/store/leases_repo.py); a heartbeat takes it again every
HEARTBEAT_MS, well inside the lease's 60 s, so it only expires when this client stops (a crash,
a lost network). Another image, or closing the project, releases it. A project file has one
writer at a time, so it needs no lease. A failed heartbeat is reported, never raised: editing
goes on (mask saves are guarded by revisions, not by leases).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

HEARTBEAT_MS = 20_000


class LeaseKeeper(QObject):
    message = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._leases = None  # the project's LeasesRepo while it needs leases
        self._image: int | None = None
        self.timer = QTimer(self, interval=HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)

    def set_project(self, project) -> None:
        self.release()
        self._leases = (project.leases if project is not None and project.is_team
                        and not project.readonly else None)

    def hold(self, image_id: int) -> None:
        """Take the lease on the shown image (the one held before is released)."""
        if self._leases is None:
            return
        self._image = image_id
        lease = self._take()
        if lease is not None and lease.client != self._leases.client:
            self.message.emit(f"{lease.holder} is editing this image too: your saves are "
                              "checked against theirs")
        self.timer.start()

    def release(self) -> None:
        self.timer.stop()
        if self._leases is not None and self._image is not None:
            try:
                self._leases.release()
            except Exception as e:  # noqa: BLE001 - it expires by itself
                self.message.emit(f"Could not release the image lease: {e}")
        self._image = None

    def _beat(self) -> None:
        if self._image is not None:
            self._take()

    def _take(self):
        try:
            return self._leases.take(self._image)
        except Exception as e:  # noqa: BLE001 - a lost connection must not stop labeling
            self.message.emit(f"Could not renew the image lease: {e}")
            return None
