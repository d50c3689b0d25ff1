"""Server-side aggregates behind the dashboard pages.

``dashboard.Dashboard`` is the cached read model the pages call; the modules
beside it hold one page's queries each. (Nothing is imported here: the service's
own read modules use ``groups`` and ``sources`` without loading the facade.)
"""
