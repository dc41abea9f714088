"""The journal's API: reflections, goals (options, decision, actions, check-ins, comments), feedback after
sessions, the coach's private notes and shared summaries, and HR's engagement figures.

Rows come from the policy through PolicyViewSet; changes go through the same services as the pages.
Changing a row needs more than seeing it (a coach reads a shared reflection but cannot edit it), so the
write actions narrow the rows to the actor's own in `safely_filter_queryset`.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models.journal import (
    ActionItem,
    CheckIn,
    CoachFeedback,
    Goal,
    GoalComment,
    GoalOption,
    Reflection,
    ReflectionReply,
    SessionFeedback,
    SessionNote,
    SessionSummary,
)
from assessments.selectors import journal as selectors
from assessments.services import feedback as feedback_services
from assessments.services import goals as goal_services
from assessments.services import notes as note_services
from assessments.services import reflections as reflection_services
from portal import policy
from portal.api import PolicyViewSet, actor_of, service_errors
from portal.idempotency import IdempotentCreateMixin, idempotent
from portal.api_schema import refused

ORDERINGS = {"created_at", "-created_at"}


def _session_for(actor: policy.Actor, session_id, field: str = "session"):
    """A session the actor takes part in or leads, named in the request body; a clear 400 otherwise."""
    if session_id in (None, ""):
        return None
    try:
        return selectors.follow_up_session(actor=actor, pk=int(session_id))
    except (Http404, TypeError, ValueError):
        raise exceptions.ValidationError({field: ["Choose one of your own sessions."]}) from None


class JournalPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


# A list is read in one role: the caller's own items (`employee`, the default for an employee) or those of
# the people they coach (`coach`). Every row of someone else's content in an answer is in their access log
# (the policy writes it as the rows are read).
BY_ROLE = extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "as",
                enum=[policy.EMPLOYEE, policy.COACH],
                required=False,
                description="Whose items: your own (employee, the default when you are one here) or those of the "
                "people you coach (coach).",
            )
        ]
    )
)


class JournalViewSet(PolicyViewSet):
    """Own rows only for writes; `?ordering=created_at|-created_at`, nothing else, for lists; lists by role."""

    owner_field = "employee_id"
    # Whose content a row is, when not the caller's own writing: left out of a coach's list, so a person
    # who is also coached here finds their own items in their own list only.
    others_field: str | None = "employee_id"
    write_actions = {"update", "partial_update", "destroy"}
    lists_by_role = True

    def safely_filter_queryset(self, queryset):
        if self.action in self.write_actions:
            queryset = queryset.filter(**{self.owner_field: self.actor.user_id})
        elif self.action == "list" and self.others_field and self.reader.is_coach:
            queryset = queryset.exclude(**{self.others_field: self.actor.user_id})
        ordering = self.request.query_params.get("ordering")
        return queryset.order_by(ordering, "-pk") if ordering in ORDERINGS else queryset


# --- reflections --------------------------------------------------------------------------------------


class ReplySerializer(serializers.ModelSerializer):
    author = JournalPersonSerializer(read_only=True)

    class Meta:
        model = ReflectionReply
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class ReflectionSerializer(serializers.ModelSerializer):
    employee = JournalPersonSerializer(read_only=True)
    session = serializers.IntegerField(source="session_id", required=False, allow_null=True)
    body = serializers.CharField(trim_whitespace=False, max_length=20_000)
    shared_with_coach = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Reflection
        fields = ["id", "employee", "session", "body", "shared_with_coach", "shared_at", "created_at", "updated_at"]
        read_only_fields = ["id", "employee", "shared_at", "created_at", "updated_at"]


class ReflectionDetailSerializer(ReflectionSerializer):
    replies = serializers.SerializerMethodField()

    class Meta(ReflectionSerializer.Meta):
        fields = ReflectionSerializer.Meta.fields + ["replies"]

    def get_replies(self, reflection) -> list[dict]:
        actor = self.context["actor"]
        replies = policy.scope(actor, ReflectionReply).filter(reflection=reflection).select_related("author")
        return ReplySerializer(replies, many=True).data


@BY_ROLE
class ReflectionViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    JournalViewSet,
):
    """Reflections: the employee's own; a coach's, those shared with them. `?session=`, `?shared=true|false`."""

    model = Reflection
    roles = (policy.EMPLOYEE, policy.COACH)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return ReflectionDetailSerializer if self.action == "retrieve" else ReflectionSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.actor}

    def safely_filter_queryset(self, queryset):
        queryset = super().safely_filter_queryset(queryset.select_related("employee"))
        params = self.request.query_params
        if params.get("session", "").isdigit():
            queryset = queryset.filter(session_id=int(params["session"]))
        if params.get("shared") in ("true", "false"):
            queryset = queryset.filter(shared_with_coach=params["shared"] == "true")
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        with service_errors():
            serializer.instance = reflection_services.reflection_create(
                actor=self.actor,
                body=data["body"],
                shared_with_coach=data.get("shared_with_coach", False),
                session=_session_for(self.actor, data.get("session_id")),
            )

    def perform_update(self, serializer):
        data = serializer.validated_data
        if "session_id" in data:
            raise exceptions.ValidationError(
                {"session": [_("A reflection stays with the session it was written for.")]}
            )
        with service_errors():
            serializer.instance = reflection_services.reflection_update(
                actor=self.actor,
                reflection=serializer.instance,
                body=data.get("body"),
                shared_with_coach=data.get("shared_with_coach"),
            )

    def perform_destroy(self, instance):
        with service_errors():
            reflection_services.reflection_delete(actor=self.actor, reflection=instance)

    @extend_schema(request=ReplySerializer, responses={201: ReplySerializer})
    @action(detail=True, methods=["post"], url_path="replies", url_name="replies")
    def reply(self, request, pk=None):
        """The coach answers a reflection shared with them; the employee may answer back."""
        reflection = self.get_object()
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            reply = reflection_services.reflection_reply(
                actor=self.actor, reflection=reflection, body=payload.validated_data["body"]
            )
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)


# --- goals --------------------------------------------------------------------------------------------


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalOption
        fields = ["id", "title", "pros", "cons", "impact", "feasibility", "chosen", "created_at"]
        read_only_fields = ["id", "chosen", "created_at"]


class ActionItemSerializer(serializers.ModelSerializer):
    done = serializers.BooleanField(required=False, write_only=True)
    is_done = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "goal", "title", "due_on", "done", "is_done", "done_at", "is_overdue", "created_at"]
        read_only_fields = ["id", "goal", "done_at", "created_at"]

    def get_is_done(self, action) -> bool:
        return action.done_at is not None


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "progress", "note", "created_at"]
        read_only_fields = ["id", "created_at"]


class CommentSerializer(serializers.ModelSerializer):
    author = JournalPersonSerializer(read_only=True)

    class Meta:
        model = GoalComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class DecisionSerializer(serializers.Serializer):
    option = serializers.IntegerField(required=False, allow_null=True)
    decision = serializers.CharField(required=False, allow_blank=True, max_length=2_000)


class GoalSerializer(serializers.ModelSerializer):
    employee = JournalPersonSerializer(read_only=True)
    why = serializers.CharField(required=False, allow_blank=True, max_length=20_000)

    class Meta:
        model = Goal
        fields = [
            "id",
            "employee",
            "title",
            "why",
            "target_date",
            "status",
            "progress",
            "decision",
            "decided_at",
            "progress_shared_with_hr",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "employee", "decision", "decided_at", "created_at", "updated_at"]


class GoalDetailSerializer(GoalSerializer):
    options = OptionSerializer(many=True, read_only=True)
    actions = ActionItemSerializer(many=True, read_only=True)
    check_ins = CheckInSerializer(many=True, read_only=True)
    comments = CommentSerializer(many=True, read_only=True)

    class Meta(GoalSerializer.Meta):
        fields = GoalSerializer.Meta.fields + ["options", "actions", "check_ins", "comments"]


@BY_ROLE
class GoalViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    JournalViewSet,
):
    """Goals: the employee's own; a coach's, those of the people they coach. `?status=`."""

    model = Goal
    roles = (policy.EMPLOYEE, policy.COACH)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    own_actions = {"add_action", "add_check_in", "decide"}

    def get_serializer_class(self):
        return GoalDetailSerializer if self.action == "retrieve" else GoalSerializer

    def safely_filter_queryset(self, queryset):
        if self.action in self.own_actions:
            queryset = queryset.filter(employee_id=self.actor.user_id)
        queryset = super().safely_filter_queryset(queryset.select_related("employee"))
        if self.request.query_params.get("status") in Goal.Status.values:
            queryset = queryset.filter(status=self.request.query_params["status"])
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("options", "actions", "check_ins", "comments__author")
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        with service_errors():
            serializer.instance = goal_services.goal_create(
                actor=self.actor, title=data["title"], why=data.get("why", ""), target_date=data.get("target_date")
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        shared = data.pop("progress_shared_with_hr", None)
        goal = serializer.instance
        with service_errors():
            if data:
                goal = goal_services.goal_update(actor=self.actor, goal=goal, **data)
            if shared is not None:
                goal = goal_services.goal_sharing_set(actor=self.actor, goal=goal, shared=shared)
        serializer.instance = goal

    def perform_destroy(self, instance):
        with service_errors():
            goal_services.goal_delete(actor=self.actor, goal=instance)

    def _add(self, serializer_class, service, **extra):
        goal = self.get_object()
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            created = service(actor=self.actor, goal=goal, **payload.validated_data, **extra)
        return Response(serializer_class(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OptionSerializer, responses={201: OptionSerializer})
    @action(detail=True, methods=["post"], url_path="options", url_name="options")
    def add_option(self, request, pk=None):
        """An option to weigh; the coach may offer one too."""
        return self._add(OptionSerializer, goal_services.option_add)

    @extend_schema(summary="Remove an option from my goal", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"options/(?P<option_pk>\d+)", url_name="option")
    def remove_option(self, request, pk=None, option_pk=None):
        """The goal's owner removes one of its options."""
        goal = self.get_object()
        option = policy.scope(self.actor, GoalOption).filter(goal=goal, pk=option_pk).first()
        if option is None:
            raise exceptions.NotFound(policy.NOT_FOUND)
        with service_errors():
            goal_services.option_delete(actor=self.actor, option=option)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ActionItemSerializer, responses={201: ActionItemSerializer})
    @action(detail=True, methods=["post"], url_path="actions", url_name="actions")
    def add_action(self, request, pk=None):
        goal = self.get_object()
        payload = ActionItemSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            created = goal_services.action_add(
                actor=self.actor,
                goal=goal,
                title=payload.validated_data["title"],
                due_on=payload.validated_data.get("due_on"),
            )
        return Response(ActionItemSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CheckInSerializer, responses={201: CheckInSerializer})
    @action(detail=True, methods=["post"], url_path="check-ins", url_name="check-ins")
    def add_check_in(self, request, pk=None):
        """Where the goal stands: the progress becomes the goal's."""
        return self._add(CheckInSerializer, goal_services.check_in_create)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"], url_path="comments", url_name="comments")
    def add_comment(self, request, pk=None):
        return self._add(CommentSerializer, goal_services.comment_add)

    @extend_schema(request=DecisionSerializer, responses={200: GoalSerializer})
    @action(detail=True, methods=["post"], url_path="decision", url_name="decision")
    def decide(self, request, pk=None):
        """Take the decision: one of the goal's options (or none) and the decision in your own words."""
        goal = self.get_object()
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        option_id = payload.validated_data.get("option")
        option = None
        if option_id is not None:
            option = policy.scope(self.actor, GoalOption).filter(goal=goal, pk=option_id).first()
            if option is None:
                raise exceptions.ValidationError({"option": [_("Choose one of this goal's options.")]})
        with service_errors():
            goal = goal_services.goal_decide(
                actor=self.actor, goal=goal, option=option, decision=payload.validated_data.get("decision", "")
            )
        return Response(GoalSerializer(goal).data)


@BY_ROLE
class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    JournalViewSet,
):
    """Action items of visible goals; `?overdue=true`. PATCH `{"done": true}` ticks one off and DELETE
    removes one (its owner only)."""

    model = ActionItem
    roles = (policy.EMPLOYEE, policy.COACH)
    owner_field = others_field = "goal__employee_id"
    serializer_class = ActionItemSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def safely_filter_queryset(self, queryset):
        queryset = super().safely_filter_queryset(queryset.select_related("goal"))
        if self.request.query_params.get("overdue") == "true":
            from django.utils import timezone

            queryset = queryset.filter(
                done_at__isnull=True, due_on__lt=timezone.localdate(), goal__status=Goal.Status.ACTIVE
            )
        return queryset.order_by("due_on", "pk")

    def perform_update(self, serializer):
        data = serializer.validated_data
        if set(data) - {"done"}:
            raise exceptions.ValidationError({"detail": [_("Only `done` can be changed here.")]})
        if "done" not in data:
            raise exceptions.ValidationError({"done": [_("Send true or false.")]})
        with service_errors():
            serializer.instance = goal_services.action_set_done(
                actor=self.actor, action=serializer.instance, done=data["done"]
            )

    @extend_schema(summary="Remove an action from my goal", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        with service_errors():
            goal_services.action_delete(actor=self.actor, action=instance)


# --- feedback, notes, summaries -----------------------------------------------------------------------


class SessionFeedbackSerializer(serializers.ModelSerializer):
    employee = JournalPersonSerializer(read_only=True)
    session = serializers.IntegerField(source="session_id")
    rating = serializers.IntegerField(min_value=1, max_value=5)

    class Meta:
        model = SessionFeedback
        validators: list = []  # one per session (and person): saving again replaces it
        fields = ["id", "session", "employee", "rating", "comment", "created_at", "updated_at"]
        read_only_fields = ["id", "employee", "created_at", "updated_at"]


class CoachFeedbackSerializer(serializers.ModelSerializer):
    coach = JournalPersonSerializer(read_only=True)
    session = serializers.IntegerField(source="session_id")
    employee = serializers.IntegerField(source="employee_id")

    class Meta:
        model = CoachFeedback
        validators: list = []  # one per session (and person): saving again replaces it
        fields = ["id", "session", "employee", "coach", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "coach", "created_at", "updated_at"]


class SessionNoteSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")

    class Meta:
        model = SessionNote
        validators: list = []  # one per session (and person): saving again replaces it
        fields = ["id", "session", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class SessionSummarySerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")

    class Meta:
        model = SessionSummary
        validators: list = []  # one per session (and person): saving again replaces it
        fields = ["id", "session", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class SessionScopedViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, JournalViewSet):
    """Rows about sessions; `?session=` narrows them. POST saves (or replaces) the caller's one."""

    def safely_filter_queryset(self, queryset):
        queryset = super().safely_filter_queryset(queryset)
        if self.request.query_params.get("session", "").isdigit():
            queryset = queryset.filter(session_id=int(self.request.query_params["session"]))
        return queryset

    @idempotent
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = _session_for(self.actor, payload.validated_data["session_id"])
        with service_errors():
            saved = self.save(session, payload.validated_data)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)


@BY_ROLE
class SessionFeedbackViewSet(SessionScopedViewSet):
    """The employee's rating of a session (theirs to give); their coach reads those about their sessions."""

    model = SessionFeedback
    roles = (policy.EMPLOYEE, policy.COACH)
    serializer_class = SessionFeedbackSerializer

    def safely_filter_queryset(self, queryset):
        return super().safely_filter_queryset(queryset.select_related("employee"))

    def save(self, session, data):
        return feedback_services.session_feedback_give(
            actor=self.actor, session=session, rating=data["rating"], comment=data.get("comment", "")
        )


@BY_ROLE
class CoachFeedbackViewSet(SessionScopedViewSet):
    """The coach's feedback for an employee after a session: the two of them read it."""

    model = CoachFeedback
    roles = (policy.EMPLOYEE, policy.COACH)
    others_field = None  # the coach's own writing
    serializer_class = CoachFeedbackSerializer

    def safely_filter_queryset(self, queryset):
        return super().safely_filter_queryset(queryset.select_related("coach"))

    def save(self, session, data):
        return feedback_services.coach_feedback_give(
            actor=self.actor, session=session, employee_id=data["employee_id"], body=data["body"]
        )


class SessionNoteViewSet(mixins.DestroyModelMixin, SessionScopedViewSet):
    """The coach's private notes: only their author ever reads them."""

    model = SessionNote
    roles = (policy.COACH,)
    owner_field = "author_id"
    others_field = None
    lists_by_role = False  # the author's own, whatever other role they hold
    serializer_class = SessionNoteSerializer

    def save(self, session, data):
        return note_services.session_note_save(actor=self.actor, session=session, body=data["body"])

    def perform_destroy(self, instance):
        with service_errors():
            note_services.session_note_delete(actor=self.actor, note=instance)


@BY_ROLE
class SessionSummaryViewSet(SessionScopedViewSet):
    """Summaries the coach shares with the employee (everyone in a group session)."""

    model = SessionSummary
    roles = (policy.EMPLOYEE, policy.COACH)
    others_field = None  # the coach's writing, shared with the people in the session
    serializer_class = SessionSummarySerializer

    def save(self, session, data):
        return note_services.session_summary_save(actor=self.actor, session=session, body=data["body"])


# --- HR -----------------------------------------------------------------------------------------------


def _figure(figure) -> dict:
    return {"value": figure.value, "withheld": figure.withheld}


def _group(group) -> dict:
    names = (
        "reflections",
        "goals",
        "people_with_goals",
        "average_progress",
        "actions_done",
        "actions_overdue",
        "ratings",
        "average_rating",
    )
    return {
        "cohort": group.label,
        "programme": group.programme,
        "people": group.people,
        "withheld": group.withheld,
        **{name: _figure(getattr(group, name)) for name in names},
    }


@extend_schema(
    responses={
        200: inline_serializer(
            "Engagement",
            {
                "minimum_group_size": serializers.IntegerField(),
                "organisation": serializers.DictField(),
                "cohorts": serializers.ListField(child=serializers.DictField()),
                "shared_goal_progress": serializers.ListField(child=serializers.DictField()),
            },
        ),
        404: refused("Only HR sees these figures: anyone else is answered as for a page that does not exist."),
    }
)
@api_view(["GET"])
def engagement(request: Request) -> Response:
    """HR: journal figures per cohort and overall, withheld below the minimum group size; and the progress
    (never the text) of goals employees chose to share."""
    actor = actor_of(request)
    if not actor.is_hr:
        raise exceptions.NotFound(policy.NOT_FOUND)
    overview = selectors.engagement_overview(actor=actor)
    shared = [
        {
            "employee": {
                "id": row["employee_id"],
                "name": f"{row['employee__first_name']} {row['employee__last_name']}".strip(),
            },
            "goal": row["pk"],
            "progress": row["progress"],
            "status": row["status"],
            "target_date": row["target_date"],
            "updated_at": row["updated_at"],
        }
        for row in selectors.shared_goal_progress(actor=actor)
    ]
    return Response(
        {
            "minimum_group_size": overview["minimum"],
            "organisation": _group(overview["organisation"]),
            "cohorts": [_group(group) for group in overview["cohorts"]],
            "shared_goal_progress": shared,
        }
    )
