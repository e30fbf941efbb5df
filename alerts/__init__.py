"""Alerts: derive the 5 h / 24 h / 48 h clocks from stored instants and deliver notifications
through the durable outbox (``storage.models.OutboxMessage``).
"""
