"""A record of each backup Warden wrote or failed to write, for the ICT manager's home page."""

from __future__ import annotations

from django.db import models


class BackupRun(models.Model):
    class Result(models.TextChoices):
        OK = "ok", "Written"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=Result.choices)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["result", "-finished_at"], name="backups_run_result_idx")]

    def __str__(self) -> str:
        return f"Backup of {self.started_at:%d/%m/%Y %H:%M} ({self.get_result_display().lower()})"
