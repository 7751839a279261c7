"""Signals sent by the enterprises app.

``statistics_changed``: sent once after a bulk write of statistics (an import), which bypasses
``post_save``; receivers (the targets recompute) react to it. Send it inside the import's
transaction or after it: ``statistics_changed.send(sender=Statistic, count=n)``.
"""
import django.dispatch

statistics_changed = django.dispatch.Signal()
