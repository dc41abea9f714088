"""An employee's own erasure: asking for it (it covers every organisation they are an employee of),
seeing it while it is scheduled, and calling it off. The same service as the my-data page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from portal import policy
from portal.api import PolicyViewSet, service_errors
from reports.api.hr import ErasureRequestSerializer
from reports.models import ErasureRequest
from reports.services import erasure


class MyErasureCreateSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="True: you understand that your coaching content is deleted for good and your account closed."
    )

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Tick the box to confirm that you want your data erased."))
        return value


@extend_schema(tags=["data rights"])
class MyErasureViewSet(PolicyViewSet):
    """Employees: their own scheduled erasure."""

    model = ErasureRequest
    roles = (policy.EMPLOYEE,)
    serializer_class = ErasureRequestSerializer
    pagination_class = None

    def _pending(self) -> ErasureRequest:
        pending = (
            self.get_queryset()
            .select_related("person")
            .filter(person_id=self.actor.user_id, status=ErasureRequest.Status.PENDING)
            .first()
        )
        if pending is None:
            raise exceptions.NotFound(_("No erasure of your data is scheduled."))
        return pending

    @extend_schema(summary="Read my scheduled erasure")
    def retrieve(self, request, *args, **kwargs):
        """Your erasure while it is scheduled (404 when none is)."""
        return Response(self.get_serializer(self._pending()).data)

    @extend_schema(
        summary="Ask for my data to be erased",
        request=MyErasureCreateSerializer,
        responses={201: ErasureRequestSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Erase your coaching data in every organisation you are an employee of and close your account,
        after the grace period; until then you can call it off."""
        payload = MyErasureCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            erasure.erasure_request(actor=self.actor, person=self.actor.user)
        return Response(self.get_serializer(self._pending()).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Call off my erasure", request=None, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Nothing has been deleted yet; nothing will be."""
        with service_errors():
            erasure.erasure_cancel(actor=self.actor, request=self._pending())
        return Response(status=status.HTTP_204_NO_CONTENT)
