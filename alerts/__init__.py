"""Alerts: findings routed, escalated and delivered to carers and the duty team (see the alerts issue)."""
