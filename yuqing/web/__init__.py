"""The duty console (值班台): a Flask application served by waitress (``yuqing web``).

It calls the same stage functions as the CLI (``alerts.respond.record``, ``incidents.actions``,
``incidents.corrections.correct``, ``reports.evaluation``), through the same runtime's sessions, so there is
no second copy of any rule. Every action is written to the audit log in the transaction that does it.
"""

from yuqing.web.app import create_app

__all__ = ["create_app"]
