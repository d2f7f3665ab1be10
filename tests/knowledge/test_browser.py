"""The library, a page, a diff and search in a real browser: desktop and phone, nothing from outside."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.models import Vendor
from incidents.models import Service
from knowledge import services
from knowledge.selectors import quality_runs
from opsportal.roles import Role
from tests.conftest import browser_login

SHOTS = Path("/tmp/shots/knowledge")  # never in the repository
BODY = """## When

Replication lag on the primary exceeds **60 seconds** for five minutes.

## Steps

1. Check the lag graph on the database dashboard.
2. Promote the replica: `pg_ctl promote -D /var/lib/postgresql/data`.
3. Repoint the PgBouncer pool and reload it.

| Check | Expected |
|---|---|
| Writes succeed | within 30 s |
| Lag | under 1 s |

<script>alert("never runs")</script> [not a link](javascript:alert(1)) [The vendor's status page](https://status.example.com)
"""


def publish(page, author, reviewer):
    from checklists.services import run_item_tick

    version = page.versions.order_by("-number").first()
    for run in quality_runs(version):
        for item in run.items.all():
            run_item_tick(item=item, by=reviewer)
    services.version_publish(version=version, by=author)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestKnowledgePagesInABrowser:
    def test_an_engineer_reads_searches_and_compares_on_desktop_and_phone(self, page, quality_template, make_user):
        engineer = make_user("oscar.oncall", Role.ONCALL)
        reviewer = make_user("olivia.ops", Role.OPS)
        database = Service.objects.create(name="Database")
        runbook = services.page_create(
            by=engineer, title="Database failover", body=BODY, service=database, tags=["database", "failover"]
        )
        publish(runbook, engineer, reviewer)
        services.page_update(
            page=runbook, by=engineer, body=BODY.replace("and reload it.", "and reload it.\n4. Tell the team."),
            summary="Tell the team afterwards.",
        )  # fmt: skip
        publish(runbook, engineer, reviewer)
        vendor = Vendor.objects.create(name="Crunchy Data", support_contact="support@crunchy.example")
        services.page_links_set(page=runbook, by=engineer, vendors=[vendor], change_types=["emergency"])
        for title in ("Cache flush", "Rotate the TLS certificate", "Restore a backup to staging"):
            other = services.page_create(by=engineer, title=title, body=f"{title}: replication is not involved.\n")
            publish(other, engineer, reviewer)
        services.page_create(by=engineer, title="Draft: queue drain", body="Work in progress.\n")
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser_login(page, "oscar.oncall")
        urls = [
            ("index", "/knowledge/"),
            ("page", f"/knowledge/{runbook.pk}/"),
            ("diff", f"/knowledge/{runbook.pk}/diff/?from=1&to=2"),
            ("search", "/knowledge/search/?q=replication"),
        ]
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for width, height, suffix in ((1280, 800, "desktop"), (390, 844, "phone")):
            page.set_viewport_size({"width": width, "height": height})
            for name, url in urls:
                page.goto(f"{page.base_url}{url}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, suffix)
                page.screenshot(path=str(SHOTS / f"{name}-{suffix}.png"), full_page=True)
        page.goto(f"{page.base_url}/knowledge/{runbook.pk}/")
        assert page.locator('[data-testid="page-body"] script').count() == 0
        assert page.locator('[data-testid="page-body"] a[href^="javascript"]').count() == 0
        assert page.locator('[data-testid="page-vendors"]').inner_text().count("Crunchy Data") == 1
        page.goto(f"{page.base_url}/knowledge/search/?q=replication")
        titles = page.locator('[data-testid="search-result"] a').all_inner_texts()
        assert "Database failover" in titles and len(titles) == 4
        page.goto(f"{page.base_url}/knowledge/search/?q=failover")  # its title and tag: ranked first
        assert page.locator('[data-testid="search-result"] a').all_inner_texts()[0] == "Database failover"
        page.goto(f"{page.base_url}/knowledge/{runbook.pk}/diff/?from=1&to=2")
        assert "Tell the team." in page.locator(".diff-add").inner_text()
        assert dialogs == [] and page.outside_requests == []
