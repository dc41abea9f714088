"""Changes to single sign-on: an organisation's identity providers and sign-in policy (HR, audited in the
platform audit by what changed, never a secret), and the domain claims platform staff approve."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import outbound
from sso import oidc, saml, saml_flow
from sso.models import CLAIM_KEYS, DomainClaim, IdentityProvider, Protocol, ProviderKind, SignInPolicy, domain_validator
from tenants.models import Membership, Organisation, PlatformEvent, Role, User

PROVIDER_FIELDS = (
    "name",
    "kind",
    "protocol",
    "enabled",
    "attribute_map",
    "discovery_url",
    "client_id",
    "saml_metadata_xml",
    "saml_metadata_url",
)
METADATA_MOST_CHARACTERS = 1_000_000


def _audit(*, organisation: Organisation, acting_user: User | None, action: str, **detail) -> None:
    PlatformEvent.objects.create(actor=acting_user, organisation=organisation, action=action, detail=detail)


def _url_check(url: str, field: str, errors: dict) -> str:
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        errors[field] = _("Enter the full address, starting with https://.")
        return url
    if url.startswith("http://") and not outbound.private_allowed():
        errors[field] = _("Use an https:// address.")
    return url


def _provider_check(provider: IdentityProvider, *, client_secret: str | None) -> None:
    """Every problem of the provider's values at once, each beside its field."""
    errors: dict[str, str] = {}
    provider.name = provider.name.strip()
    if not provider.name:
        errors["name"] = _("Give the provider a name: people see it on the sign-in button.")
    elif (
        IdentityProvider.objects.filter(organisation=provider.organisation, name__iexact=provider.name)
        .exclude(pk=provider.pk)
        .exists()
    ):
        errors["name"] = _("Another identity provider here has this name.")
    if provider.kind not in ProviderKind.values:
        errors["kind"] = _("Choose Entra ID, Okta, Google Workspace, Keycloak or Other.")
    if provider.protocol not in Protocol.values:
        errors["protocol"] = _("Choose OpenID Connect or SAML 2.0.")
    if not isinstance(provider.attribute_map, dict) or any(
        key not in CLAIM_KEYS or not isinstance(value, str) for key, value in provider.attribute_map.items()
    ):
        errors["attribute_map"] = _("Map only these details, each to a claim name: %(keys)s.") % {
            "keys": ", ".join(CLAIM_KEYS)
        }
    if provider.protocol == Protocol.OIDC:
        if not provider.discovery_url.strip():
            errors["discovery_url"] = _("Enter the provider's discovery URL.")
        else:
            provider.discovery_url = oidc.discovery_url_check(
                _url_check(provider.discovery_url, "discovery_url", errors)
            )
        provider.client_id = provider.client_id.strip()
        if not provider.client_id:
            errors["client_id"] = _("Enter the client ID the provider gave this portal.")
        if not client_secret and not provider.has_client_secret:
            errors["client_secret"] = _("Enter the client secret the provider gave this portal.")
    elif provider.protocol == Protocol.SAML:
        if provider.saml_metadata_url.strip():
            provider.saml_metadata_url = _url_check(provider.saml_metadata_url, "saml_metadata_url", errors)
        if not provider.saml_metadata_xml.strip() and not provider.saml_metadata_url.strip():
            errors["saml_metadata_xml"] = _("Upload the provider's metadata or enter the address it is published at.")
        if len(provider.saml_metadata_xml) > METADATA_MOST_CHARACTERS:
            errors["saml_metadata_xml"] = _("This metadata is too large.")
        if not errors.keys() & {"saml_metadata_xml", "saml_metadata_url"}:
            _saml_metadata_check(provider, errors)
    if errors:
        raise ValidationError(errors)


def _saml_metadata_check(provider: IdentityProvider, errors: dict) -> None:
    """The IdP metadata read and its entity id kept. Given an address, the metadata is fetched from it at
    every save (so saving again picks up a new signing certificate); otherwise the uploaded XML is read."""
    url = provider.saml_metadata_url.strip()
    field = "saml_metadata_url" if url else "saml_metadata_xml"
    try:
        xml, entity_id = saml_flow.metadata_resolve(xml="" if url else provider.saml_metadata_xml, url=url)
    except saml.MetadataError as error:
        errors[field] = str(error)
        return
    provider.saml_metadata_xml, provider.saml_entity_id = xml, entity_id


@transaction.atomic
def identity_provider_create(
    *, organisation: Organisation, acting_user: User | None, client_secret: str = "", **values
) -> IdentityProvider:
    """A new identity provider of `organisation` (values: PROVIDER_FIELDS; the client secret is encrypted)."""
    unknown = set(values) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity provider fields: {sorted(unknown)}")
    provider = IdentityProvider(organisation=organisation, created_by=acting_user, **values)
    if provider.attribute_map is None:
        provider.attribute_map = {}
    _provider_check(provider, client_secret=client_secret)
    if client_secret and provider.protocol == Protocol.OIDC:
        provider.set_client_secret(client_secret)
    provider.save()
    _audit(organisation=organisation, acting_user=acting_user, action="sso.provider_created", provider=provider.pk)
    return provider


@transaction.atomic
def identity_provider_update(
    *, provider: IdentityProvider, acting_user: User | None, client_secret: str = "", **values
) -> IdentityProvider:
    """Change a provider; an empty `client_secret` keeps the one stored."""
    unknown = set(values) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity provider fields: {sorted(unknown)}")
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    before = {name: getattr(provider, name) for name in values}
    for name, value in values.items():
        setattr(provider, name, value)
    _provider_check(provider, client_secret=client_secret)
    # Compared once the check has tidied the values (an issuer typed without its discovery suffix is no change).
    changed = [name for name in values if getattr(provider, name) != before[name]]
    if client_secret:
        provider.set_client_secret(client_secret)
        changed.append("client_secret")
    provider.save()
    if changed:
        _audit(
            organisation=provider.organisation,
            acting_user=acting_user,
            action="sso.provider_changed",
            provider=provider.pk,
            fields=sorted(changed),
        )
    return provider


@transaction.atomic
def identity_provider_delete(*, provider: IdentityProvider, acting_user: User | None) -> None:
    """Remove a provider and the identities linked through it (the accounts and memberships stay)."""
    organisation = provider.organisation
    pk = provider.pk
    provider.delete()
    _audit(organisation=organisation, acting_user=acting_user, action="sso.provider_deleted", provider=pk)


def sign_in_policy_of(organisation: Organisation) -> SignInPolicy:
    policy, _created = SignInPolicy.objects.get_or_create(organisation=organisation)
    return policy


@transaction.atomic
def sign_in_policy_update(
    *,
    organisation: Organisation,
    acting_user: User | None,
    jit_people: bool,
    sso_required: bool,
    break_glass: Iterable[User] = (),
) -> SignInPolicy:
    """Just-in-time people, single sign-on required, and the break-glass HR accounts (HR managers here)."""
    policy = SignInPolicy.objects.select_for_update().filter(organisation=organisation).first() or sign_in_policy_of(
        organisation
    )
    chosen = {user.pk for user in break_glass}
    hr_here = set(
        Membership.objects.filter(
            organisation=organisation, role=Role.HR_MANAGER, is_active=True, user_id__in=chosen
        ).values_list("user_id", flat=True)
    )
    errors = {}
    if chosen - hr_here:
        errors["break_glass"] = _("Only HR managers of this organisation can be break-glass accounts.")
    if sso_required and not IdentityProvider.objects.filter(organisation=organisation, enabled=True).exists():
        errors["sso_required"] = _("Add and enable an identity provider before you require single sign-on.")
    elif sso_required and not chosen:
        errors["break_glass"] = _(
            "Name at least one break-glass HR account, so someone can still sign in if the identity provider fails."
        )
    if errors:
        raise ValidationError(errors)
    before = (policy.jit_people, policy.sso_required, set(policy.break_glass.values_list("pk", flat=True)))
    policy.jit_people = jit_people
    policy.sso_required = sso_required
    policy.save(update_fields=["jit_people", "sso_required", "updated_at"])
    policy.break_glass.set(chosen)
    if before != (jit_people, sso_required, chosen):
        _audit(
            organisation=organisation,
            acting_user=acting_user,
            action="sso.policy_changed",
            jit_people=jit_people,
            sso_required=sso_required,
            break_glass=sorted(chosen),
        )
    return policy


# --- domain claims ---------------------------------------------------------------------------------


def domain_normalise(domain: str) -> str:
    return domain.strip().lower().removeprefix("@").rstrip(".")


def domain_claim_request(*, organisation: Organisation, domain: str, acting_user: User | None) -> DomainClaim:
    """HR asks for an email domain; it counts once platform staff approve it."""
    domain = domain_normalise(domain)
    try:
        domain_validator(domain)
    except ValidationError as error:
        raise ValidationError({"domain": error.messages[0]}) from None
    try:
        with transaction.atomic():
            claim = DomainClaim.objects.create(organisation=organisation, domain=domain, requested_by=acting_user)
    except IntegrityError:
        # Whose claim it is stays unsaid.
        raise ValidationError({"domain": _("This domain is already claimed.")}) from None
    _audit(organisation=organisation, acting_user=acting_user, action="sso.domain_requested", domain=domain)
    return claim


@transaction.atomic
def domain_claim_approve(*, claim: DomainClaim, acting_user: User) -> DomainClaim:
    """Platform staff: the organisation has shown it owns the domain."""
    claim = DomainClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.approved_at is None:
        claim.approved_at = timezone.now()
        claim.approved_by = acting_user
        claim.save(update_fields=["approved_at", "approved_by"])
        _audit(
            organisation=claim.organisation, acting_user=acting_user, action="sso.domain_approved", domain=claim.domain
        )
    return claim


@transaction.atomic
def domain_claim_remove(*, claim: DomainClaim, acting_user: User) -> None:
    """Refused by platform staff, or withdrawn by the organisation's HR."""
    _audit(organisation=claim.organisation, acting_user=acting_user, action="sso.domain_removed", domain=claim.domain)
    claim.delete()
