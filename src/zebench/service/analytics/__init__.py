"""Server-side aggregates behind the dashboard pages.

``Dashboard`` is the read model the pages call; the modules beside it hold one
page's queries each, ``stats`` the pure statistics they share.
"""

from zebench.service.analytics.dashboard import Dashboard
from zebench.service.filters import RunFilter

__all__ = ["Dashboard", "RunFilter"]
