"""Delivering a stored row (an email, a warehouse notice) to the outside world, at least once.

A library, not an app: the apps that own such rows (notifications, warehouse) subclass
``delivery.models.Deliverable`` and call ``delivery.attempts`` from their services. It imports
no app of the project. docs/operations.md explains the retry budget and the broker timeout.
"""
