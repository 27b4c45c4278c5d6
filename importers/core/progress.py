"""Progress of an import: a bar on a terminal, plain log lines otherwise (cron, CI, files)."""
import sys


class Progress:
    def __init__(self, *, total: int, label: str, stream=None, every: int = 50):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.is_tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = every

    def step(self, note: str = "") -> None:
        self.done += 1
        if self.is_tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r{self.label} [{'#' * filled}{' ' * (width - filled)}] "
                              f"{self.done}/{self.total} {note[:30]:<30}")
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or self.done % self.every == 0:
            self.stream.write(f"{self.label}: {self.done}/{self.total}\n")
        self.stream.flush()
