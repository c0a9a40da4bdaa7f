"""What the planner knows about the schema: GraphQL types bound to row shapes and relations.

Plain fields of a bound type are read from the column of their Python name
(which must be in the shape); a field whose type is one of :data:`JSON_OBJECTS`
reads the keys of its JSON column. The fields listed here are relations, nested
pages, unions, root lists and lookups, or private. Anything else makes the
planner fall back to the resolvers, so a field added to the schema is answered
correctly before it is bound here, only slower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tribe_service.data_access import pages
from tribe_service.data_access.discovery import CANDIDATE, SEARCH_TARGETS, SIMILAR
from tribe_service.data_access.pages import ListOrder
from tribe_service.data_access.relations import FEED_TARGETS, Relation, ToOne
from tribe_service.data_access.shapes import (
    COLLABORATOR,
    FEED_EVENT,
    OPEN_ROLE,
    PROJECT,
    SKILL,
    TRIBE,
    TRIBE_MEMBER,
    USER,
    RowShape,
)
from tribe_service.enums import SearchKind

# Object types read from a JSON column's keys (``types/json_objects.py``).
JSON_OBJECTS = frozenset({"ContactLinks", "ProjectLinks", "ImpactMetrics", "FeedEventMetadata"})


@dataclass(frozen=True)
class Polymorphic:
    """A union field: the member is chosen by the ``discriminator`` column's value."""

    discriminator: str
    members: Mapping[str, tuple[str, ToOne]]  # discriminator value -> (type, relation)


@dataclass(frozen=True)
class NestedPage:
    """A connection below a row: a to-many ``relation`` paged in ``order``."""

    relation: Relation
    order: ListOrder


@dataclass(frozen=True)
class TypeBinding:
    """A GraphQL object type read from rows of ``shape``."""

    shape: RowShape
    relations: Mapping[str, Relation] = field(default_factory=dict)
    pages: Mapping[str, NestedPage] = field(default_factory=dict)
    unions: Mapping[str, Polymorphic] = field(default_factory=dict)
    # Fields only their owner may read: field -> (column, owner id column).
    private: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RootList:
    """A root field answering a page (``connection``) or a whole list of ``order``'s rows.

    ``filters`` maps an argument to the column it must equal (when not null), or to
    one of ``order.conditions``.
    """

    order: ListOrder
    node_type: str
    connection: bool
    filters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RootSearch:
    """``search``: a page of ranked hits whose nodes are ``nodes``' members."""

    nodes: Polymorphic


@dataclass(frozen=True)
class RootLookup:
    """A root field answering the row whose ``column`` equals the argument ``argument``."""

    shape: RowShape
    node_type: str
    argument: str
    column: str


@dataclass(frozen=True)
class RootViewer:
    """A root field answering the signed-in builder's row: ``column`` equals the context's
    ``current_user_id`` (null, and no statement, when signed out)."""

    shape: RowShape
    node_type: str
    column: str


TYPES: dict[str, TypeBinding] = {
    "User": TypeBinding(
        USER,
        relations={
            "skills": Relation.USER_SKILLS,
            "projects": Relation.USER_PROJECTS,
            "tribes": Relation.USER_TRIBES,
            "collaborations": Relation.USER_COLLABORATIONS,
            "similarBuilders": Relation.USER_SIMILAR_BUILDERS,
        },
        pages={"activity": NestedPage(Relation.USER_ACTIVITY, pages.ACTIVITY)},
        private={"email": ("email", "id")},
    ),
    "Skill": TypeBinding(SKILL),
    "Project": TypeBinding(
        PROJECT,
        relations={
            "owner": Relation.PROJECT_OWNER,
            "collaborators": Relation.PROJECT_COLLABORATORS,
            "similarProjects": Relation.PROJECT_SIMILAR_PROJECTS,
        },
    ),
    "Collaborator": TypeBinding(COLLABORATOR, relations={"user": Relation.COLLABORATOR_USER}),
    "Collaboration": TypeBinding(
        COLLABORATOR, relations={"project": Relation.COLLABORATION_PROJECT}
    ),
    "Tribe": TypeBinding(
        TRIBE,
        relations={
            "owner": Relation.TRIBE_OWNER,
            "members": Relation.TRIBE_MEMBERS,
            "openRoles": Relation.TRIBE_OPEN_ROLES,
        },
    ),
    "TribeMember": TypeBinding(TRIBE_MEMBER, relations={"user": Relation.TRIBE_MEMBER_USER}),
    "OpenRole": TypeBinding(OPEN_ROLE, relations={"candidates": Relation.OPEN_ROLE_CANDIDATES}),
    "Candidate": TypeBinding(
        CANDIDATE,
        relations={"user": Relation.CANDIDATE_USER, "matchedSkills": Relation.CANDIDATE_SKILLS},
    ),
    "SimilarBuilder": TypeBinding(SIMILAR, relations={"user": Relation.SIMILAR_BUILDER_USER}),
    "SimilarProject": TypeBinding(SIMILAR, relations={"project": Relation.SIMILAR_PROJECT_PROJECT}),
    "FeedEvent": TypeBinding(
        FEED_EVENT,
        relations={"actor": Relation.FEED_PEOPLE},
        unions={
            "target": Polymorphic(
                "target_type",
                {
                    "project": ("Project", FEED_TARGETS["project"]),
                    "tribe": ("Tribe", FEED_TARGETS["tribe"]),
                    "user": ("User", FEED_TARGETS["user"]),
                },
            )
        },
    ),
}

ROOTS: dict[str, RootList | RootLookup | RootSearch | RootViewer] = {
    "search": RootSearch(
        Polymorphic(
            "kind",
            {
                kind.value: (type_name, SEARCH_TARGETS[kind])
                for kind, type_name in (
                    (SearchKind.USER, "User"),
                    (SearchKind.PROJECT, "Project"),
                    (SearchKind.TRIBE, "Tribe"),
                )
            },
        )
    ),
    "feed": RootList(pages.FEED, "FeedEvent", connection=True),
    "builders": RootList(
        pages.BUILDERS,
        "User",
        connection=True,
        filters={"role": "primary_role", "availability": "availability_status", "skills": "skills"},
    ),
    "projects": RootList(pages.PROJECTS, "Project", connection=True, filters={"status": "status"}),
    "tribes": RootList(pages.TRIBES, "Tribe", connection=True, filters={"status": "status"}),
    "skills": RootList(pages.SKILLS, "Skill", connection=False, filters={"category": "category"}),
    "user": RootLookup(USER, "User", argument="username", column="username"),
    "project": RootLookup(PROJECT, "Project", argument="id", column="id"),
    "tribe": RootLookup(TRIBE, "Tribe", argument="id", column="id"),
    "viewer": RootViewer(USER, "User", column="id"),
}
