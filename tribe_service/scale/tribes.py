"""Tribes (``tribes``), their members (``tribe_members``) and open roles (``tribe_open_roles``).

Streams: ``tribes``, ``tribe-ids``, ``tribe-member-ids`` and ``tribe-role-ids``.
A tribe's creation and each member who joined are noted as feed events.
"""

from __future__ import annotations

from tribe_service.enums import EventType, MemberRole, MemberStatus
from tribe_service.scale import vocabulary as words
from tribe_service.scale.records import TRIBE_MEMBERS, TRIBE_OPEN_ROLES, TRIBES, to_json
from tribe_service.scale.state import BuildState, PlannedEvent
from tribe_service.scale.streams import DAY_MS, moment_between, to_datetime
from tribe_service.scale.weights import MEMBER_STATUS, OPEN_ROLE_COUNT, TRIBE_STATUS

# Members who joined (and so have a joined_at), whether they stayed or not.
_JOINED = (MemberStatus.ACTIVE, MemberStatus.LEFT, MemberStatus.REMOVED)


def add_tribes(state: BuildState) -> None:
    """Add ``counts.tribes`` tribes, each with its owner, 1-6 other members and 0-3 open roles."""
    rng = state.stream("tribes")
    ids = state.ids("tribe-ids")
    member_ids = state.ids("tribe-member-ids")
    role_ids = state.ids("tribe-role-ids")
    titles = [(role, title) for role, names in words.ROLE_TITLES.items() for title in names]
    users = state.users
    data = state.data
    for _ in range(state.counts.tribes):
        owner_index = rng.randrange(len(users))
        owner = users[owner_index]
        created = moment_between(rng, owner.created, state.until_ms)
        domain = rng.choice(words.TRIBE_DOMAINS)
        name = rng.choice(words.TRIBE_PATTERNS).format(domain=domain)
        mission = rng.choice(words.TRIBE_MISSIONS).format(domain_lower=domain.lower())
        others = min(rng.randint(1, 6), len(users) - 1)
        status = TRIBE_STATUS.pick(rng)
        max_members = max(rng.choice((6, 8, 8, 8, 10)), others + 1)
        tribe_id = ids.at(created)
        data.tribes.append(
            TRIBES.record(
                id=tribe_id,
                created_at=to_datetime(created),
                updated_at=to_datetime(moment_between(rng, created, state.until_ms)),
                owner_id=owner.id,
                name=name,
                mission=mission,
                status=status.value,
                max_members=max_members,
            )
        )
        data.tribe_members.append(
            TRIBE_MEMBERS.record(
                id=member_ids.at(created),
                tribe_id=tribe_id,
                user_id=owner.id,
                role=MemberRole.OWNER.value,
                status=MemberStatus.ACTIVE.value,
                joined_at=to_datetime(created),
                requested_at=to_datetime(created),
            )
        )
        members: list[int] = [owner_index]
        active: list[str] = [owner.id]
        while len(members) < others + 1:
            candidate = rng.randrange(len(users))
            if candidate in members:
                continue
            members.append(candidate)
            user = users[candidate]
            requested = moment_between(rng, max(created, user.created), state.until_ms, 0.5)
            member_status = MEMBER_STATUS.pick(rng)
            joined = None
            if member_status in _JOINED:
                joined = min(requested + int(rng.random() * 7 * DAY_MS), state.until_ms)
                state.events.append(
                    PlannedEvent(
                        joined,
                        EventType.MEMBER_JOINED_TRIBE,
                        user.id,
                        "tribe",
                        tribe_id,
                        {"tribe_name": name},
                    )
                )
                if member_status is MemberStatus.ACTIVE:
                    active.append(user.id)
            data.tribe_members.append(
                TRIBE_MEMBERS.record(
                    id=member_ids.at(requested),
                    tribe_id=tribe_id,
                    user_id=user.id,
                    role=MemberRole.MEMBER.value,
                    status=member_status.value,
                    joined_at=to_datetime(joined) if joined is not None else None,
                    requested_at=to_datetime(requested),
                )
            )
        for _ in range(OPEN_ROLE_COUNT.pick(rng)):
            role, title = rng.choice(titles)
            category = words.ROLE_CATEGORIES[role][0]
            needed = rng.sample(state.skills_by_category[category], rng.randint(1, 3))
            filled_by = rng.choice(active) if rng.random() < 0.15 else None
            data.tribe_open_roles.append(
                TRIBE_OPEN_ROLES.record(
                    id=role_ids.at(created),
                    tribe_id=tribe_id,
                    title=title,
                    skills_needed=to_json(needed),
                    filled=filled_by is not None,
                    filled_by=filled_by,
                )
            )
        state.events.append(
            PlannedEvent(
                created,
                EventType.TRIBE_CREATED,
                owner.id,
                "tribe",
                tribe_id,
                {"tribe_name": name, "mission": mission},
            )
        )
