"""Access rules of the reports app (see portal.policy).

HR figures of coaching content are sums of the cells reports.disclosure releases (at least
MIN_AGGREGATE_GROUP_SIZE contributors each); no rule here yields content to HR.
"""

from django.db.models import QuerySet

from portal import policy
from portal.policy import Actor
from reports.models import AuditEvent, ErasureRequest, ReportJob, data_right_events


@policy.rule(AuditEvent)
def audit_events_visible(actor: Actor, events: QuerySet) -> QuerySet:
    # A person's own use of a data right is theirs: HR reads only the counts (selectors.audit).
    return events.exclude(data_right_events()) if actor.is_hr else events.none()


@policy.rule(ReportJob)
def report_jobs_visible(actor: Actor, jobs: QuerySet) -> QuerySet:
    # A report in preparation is seen only by the person who asked for it.
    return jobs.filter(requested_by_id=actor.user_id)


@policy.rule(ErasureRequest)
def erasure_requests_visible(actor: Actor, requests: QuerySet) -> QuerySet:
    if actor.is_hr:
        # HR sees the erasures HR asked for; a person's own request is theirs (HR gets a count).
        own = requests.filter(person_id=actor.user_id) if actor.is_employee else requests.none()
        return requests.filter(scope=ErasureRequest.Scope.ORGANISATION) | own
    return requests.filter(person_id=actor.user_id) if actor.is_employee else requests.none()
