"""The demo knowledge library: a dozen runbooks with versions, linked from checklist items, some stale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model

from knowledge import services
from knowledge.models import Page, PageVersion
from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role

# (title, service, tags, review days, reviewed days ago, checklist item words, body)
RUNBOOKS: list[tuple[str, str, list[str], int, int, str, str]] = [
    ("Payments: failover to the standby processor", "Payments", ["payments", "failover"], 90, 20, "payment",
     "## When\n\nCard authorisations fail above 5 % for 5 minutes.\n\n## Steps\n\n1. Confirm on the status page.\n"
     "2. Switch the `PAYMENT_PROCESSOR` flag to `standby`.\n3. Watch the authorisation rate for 10 minutes.\n"),
    ("Checkout: flush the cart cache", "Checkout", ["checkout", "cache"], 60, 75, "cache",
     "## Symptoms\n\nCarts show stale prices.\n\n## Steps\n\n- Run `make flush-cart-cache` on a bastion.\n"
     "- Check the hit rate recovers within 15 minutes.\n"),
    ("Search: rebuild the product index", "Search", ["search", "index"], 180, 30, "index",
     "Rebuild the index when more than 1 % of queries return no result.\n\n```\n./manage.py search_reindex --alias products\n```\n"),
    ("API gateway: rotate the TLS certificate", "API gateway", ["tls", "certificates"], 90, 120, "certificate",
     "## Steps\n\n1. Order the certificate 30 days ahead.\n2. Upload it to the gateway.\n3. Reload with zero downtime.\n"),
    ("Authentication: lock out a compromised account", "Authentication", ["security", "accounts"], 90, 10, "access",
     "Revoke sessions, reset the password and open a security incident.\n\n| Step | Who |\n|---|---|\n"
     "| Revoke sessions | On-call |\n| Tell the user | Support |\n"),
    ("E-mail delivery: switch the sending provider", "E-mail delivery", ["email", "vendor"], 120, 200, "mail",
     "When the provider's bounce rate exceeds 5 %, switch `MAIL_PROVIDER` to the backup and tell the vendor.\n"),
    ("Reporting: re-run the nightly export", "Reporting", ["reporting", "export"], 90, 40, "report",
     "Re-run with `make export DATE=yyyy-mm-dd`; the export is idempotent per date.\n"),
    ("Database: restore a backup to staging", "Payments", ["database", "backup"], 30, 45, "backup",
     "## Monthly restore test\n\n1. Pick last night's backup.\n2. Restore to staging.\n"
     "3. Run the row-count checks.\n4. Record the restore time.\n"),
    ("Morning health check: what good looks like", "", ["health", "monitoring"], 180, 15, "health",
     "Dashboards green, error rate under 0.1 %, queue depth under 100, no disk above 80 %.\n"),
    ("Security: review access logs", "Authentication", ["security", "logs"], 90, 100, "log",
     "Look for repeated failed logins, logins from new countries and admin actions out of hours.\n"),
    ("Incident: communicate with customers", "", ["incident", "communication"], 90, 5, "communicat",
     "Post on the status page within 15 minutes of a P0 or P1, then every 30 minutes until resolved.\n"),
    ("Standard change: deploy a hotfix", "Checkout", ["deployment", "hotfix"], 90, 25, "deploy",
     "Use the standard-change template; deploy to staging first and watch error rates for 10 minutes.\n"),
]  # fmt: skip


def _quality_template() -> None:
    """Load the quality checklist from the bundled document's "Content Quality Standards", once."""
    from checklists.models import AttachTo, ChecklistTemplate
    from knowledge.procedures import claims_content_quality, load_content_quality
    from opsportal.procedures.document import parse_document
    from opsportal.procedures.importer import DEFAULT_DOCUMENT
    from opsportal.procedures.provenance import import_session

    if ChecklistTemplate.objects.filter(attach_to=AttachTo.PAGE_VERSION).exists():
        return
    document = parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
    with import_session() as session:
        session.loader = "knowledge.content_quality"
        for section in document.walk():
            if claims_content_quality(section):
                load_content_quality(section)
                break


def _review_and_publish(version: PageVersion, reviewer: Any) -> None:
    from checklists.services import run_item_tick
    from knowledge.selectors import quality_runs

    for run in quality_runs(version):
        for item in run.items.all():
            run_item_tick(item=item, by=reviewer)
    services.version_publish(version=version, by=version.author)


@register_seeder("knowledge", order=97)
def seed(context: DemoContext) -> str:
    """Create a dozen reviewed runbooks with versions and links, a draft awaiting review and stale pages (once)."""
    from checklists.models import ChecklistItem
    from coordination.models import Skill, Vendor
    from incidents.models import Service, Severity

    _quality_template()
    if Page.objects.exists():
        return "knowledge library already present"
    ops, oncall, manager = (context.users[role] for role in (Role.OPS, Role.ONCALL, Role.MANAGER))
    services_by_name = {service.name: service for service in Service.objects.all()}
    authors = [oncall, manager, oncall, ops]
    stale = 0
    for index, (title, service_name, tags, interval, reviewed_ago, item_word, body) in enumerate(RUNBOOKS):
        author = authors[index % len(authors)]
        reviewer = ops if author != ops else manager
        page = services.page_create(
            by=author,
            title=title,
            body=body,
            service=services_by_name.get(service_name),
            tags=tags,
            review_interval_days=interval,
        )
        _review_and_publish(page.versions.get(number=1), reviewer)
        if index % 3 == 0:  # a second, published version: something to diff
            version = services.page_update(
                page=page,
                by=author,
                body=body + "\n## Afterwards\n\nWrite a timeline entry and tell the team in the channel.\n",
                summary="Add the follow-up steps.",
            )
            if version is not None:
                _review_and_publish(version, reviewer)
        services.page_review_backfill(page=page, reviewed_at=clock.before(context.now, timedelta(days=reviewed_ago)))
        page.refresh_from_db()
        stale += int(reviewed_ago > interval)
        items = ChecklistItem.objects.filter(text__icontains=item_word, template__is_active=True)[:2]
        page.checklist_items.add(*items)
    first = Page.objects.order_by("pk").first()
    if first is not None:  # a draft awaiting its review: readers still see version 1
        services.page_update(
            page=first,
            by=oncall,
            body=first.versions.get(number=1).body + "\n4. Tell the payments vendor.\n",
            summary="Tell the vendor too.",
        )
        first.severities.add(*Severity.objects.filter(code__in=["P0", "P1"]))
        first.vendors.add(*Vendor.objects.filter(name="Stripe"))
    hotfix = Page.objects.filter(title__startswith="Standard change").first()
    if hotfix is not None:
        services.page_links_set(page=hotfix, by=manager, change_types=["standard", "emergency"])
    mail = Page.objects.filter(title__startswith="E-mail").first()
    if mail is not None:
        mail.vendors.add(*Vendor.objects.filter(name="Postmark"))
        user = get_user_model().objects.filter(username="mei").first()
        if user is not None:
            Skill.objects.filter(user=user, service=mail.service).update(runbook=mail)
    reminded = services.pages_remind_stale(now=context.now)
    return (
        f"{Page.objects.count()} runbooks, {PageVersion.objects.count()} versions, {stale} stale ({reminded} reminded)"
    )
