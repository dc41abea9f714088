"""`{% enrolment_agreement_state enrolment as state %}`: the three-way agreement of an enrolment, read
through the policy as the page's reader (for panels that show it on another page)."""

from django import template

from programmes.selectors.agreement import AgreementState, agreement_state

register = template.Library()


@register.simple_tag(takes_context=True)
def enrolment_agreement_state(context, enrolment) -> AgreementState:
    return agreement_state(actor=context["request"].actor, enrolment=enrolment)
