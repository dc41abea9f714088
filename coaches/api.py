"""The coach's own profile through the API, on the public host (a session, or a token standing for its
person). The same services as the page; the photo is uploaded on the page (the API says whether there is
one, and can remove it)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from coaches import services
from coaches.models import CAPACITY_MOST, Accreditation, CoachProfile, Language, Mode, Specialism
from portal import policy
from portal.api import actor_of, service_errors
from portal.authentication import PersonTokenAuthentication


class CoachProfileSerializer(serializers.ModelSerializer):
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = CoachProfile
        fields = [
            "has_photo",
            "biography_en",
            "biography_nl",
            "languages",
            "specialisms",
            "modes",
            "city",
            "accreditation",
            "accreditation_number",
            "time_zone",
            "capacity",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_photo(self, profile) -> bool:
        return bool(profile.photo)


class CoachProfileInputSerializer(serializers.Serializer):
    remove_photo = serializers.BooleanField(required=False, default=False)
    biography_en = serializers.CharField(required=False, allow_blank=True, max_length=1200)
    biography_nl = serializers.CharField(required=False, allow_blank=True, max_length=1200)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), required=False)
    specialisms = serializers.ListField(child=serializers.ChoiceField(choices=Specialism.choices), required=False)
    modes = serializers.ListField(child=serializers.ChoiceField(choices=Mode.choices), required=False)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    accreditation = serializers.ChoiceField(choices=Accreditation.choices, required=False, allow_blank=True)
    accreditation_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    time_zone = serializers.CharField(required=False, max_length=64)
    capacity = serializers.IntegerField(required=False, min_value=0, max_value=CAPACITY_MOST)


class CoachProfileViewSet(viewsets.ViewSet):
    """Your coach profile: one for every organisation you coach for."""

    authentication_classes = [PersonTokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser]

    def _profile(self):
        try:
            return services.profile_of(actor=actor_of(self.request))
        except Http404:
            raise exceptions.NotFound(policy.NOT_FOUND) from None

    @extend_schema(tags=["coach"], summary="Read my coach profile", responses=CoachProfileSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(CoachProfileSerializer(self._profile()).data)

    @extend_schema(
        tags=["coach"],
        summary="Change my coach profile",
        request=CoachProfileInputSerializer,
        responses=CoachProfileSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        """Only the fields sent change; every field is checked before anything is saved."""
        self._profile()
        payload = CoachProfileInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            profile = services.profile_update(actor=actor_of(request), **payload.validated_data)
        return Response(CoachProfileSerializer(profile).data)


class CoachProfileHereViewSet(CoachProfileViewSet):
    """The same profile from an organisation's host, with the API token of a coach serving there."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
