"""Pagination that sorts narrow rows: for lists ordered by computed expressions no index serves.

An ordering such as "open incidents most urgent first" (a CASE on the status and the clock)
cannot come from an index, so the database sorts every row of the list for each page.
Sorting the full, joined rows makes that cost grow with the table's width as well as its
length. ``NarrowPaginator`` sorts only the primary keys (one narrow query with the page's
LIMIT and OFFSET), then reads that page's rows with their joins by primary key (a second
query), so the wide work is one page whatever the size of the history.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from opsportal.api import Pagination


class NarrowPaginator(Paginator):
    """A Paginator for querysets: sort the primary keys, then fetch the page's rows by key."""

    def page(self, number: Any) -> Page:
        page = super().page(number)
        if isinstance(page.object_list, QuerySet) and isinstance(self.object_list, QuerySet):
            keys = list(page.object_list.values_list("pk", flat=True))
            # The unsliced list keeps its joins and prefetches; by key, it needs no sort.
            by_key = self.object_list.order_by().filter(pk__in=keys)[: len(keys)]  # LIMIT: never more than a page
            rows = {row.pk: row for row in by_key}
            page.object_list = [rows[key] for key in keys if key in rows]
        return page


class NarrowPagination(Pagination):
    """The API's page-number pagination, sorting narrow rows (see ``NarrowPaginator``)."""

    django_paginator_class = NarrowPaginator
