from django.db import models


class RateCounter(models.Model):
    """Attempts per keyed hash of a client address and bucket in one fixed window.

    Never the address itself; rows older than the previous window are deleted."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()  # window start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_counter_key_window")
        ]
