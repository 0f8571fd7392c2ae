"""The defect classes an import creates, made inside the import's own write transaction.

The masks are encoded (outside the write lock) with the values the new classes will get; the
classes are then added in the same transaction as the images, and the values checked again. A
failed, canceled or killed import so leaves no class behind and uses up no class value.
"""

from __future__ import annotations

from collections.abc import Callable

from app.store.classes_repo import ClassError, next_values


class NewClasses:
    """Names (with colours) an import will add, and the values they will get."""

    def __init__(self, project, wanted: list[tuple[str, str | None]]):
        self._project = project
        self.names = [n for n, _ in wanted if project.classes.by_name(n) is None]
        self._colors = dict(wanted)
        self.values = dict(zip(self.names, next_values(project.db, len(self.names)),
                               strict=True))

    def value_of(self, name: str) -> int:
        row = self._project.classes.by_name(name)
        return self.values[name] if name in self.values else row.value

    def creator(self) -> Callable[[], None]:
        """Adds the classes; run inside the import's transaction (ImportRepo before_insert)."""
        def create() -> None:
            for name in self.names:
                row = self._project.classes.add(name, self._colors.get(name))
                if row.value != self.values[name]:
                    raise ClassError(f"the defect classes changed while importing (class "
                                     f"{name!r}); nothing was imported: import again")
        return create
