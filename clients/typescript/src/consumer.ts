// What the frontend's pages do with the API's answers, written as a strict TypeScript
// consumer of the generated types. It is compiled in CI (`just client-check`): a schema change
// that would break the frontend (a renamed field, a type that loses its shape, a new feed
// target or event type) fails here.
import { type ClientOptions, request, requireData } from "./client.js";
import { ErrorCode, userMessage } from "./errors.js";
import { signInUrl, signOut } from "./session.js";
import {
  BuilderProfileDocument,
  BuildersDocument,
  CreateProjectDocument,
  type CreateProjectInput,
  RespondToCollaborationDocument,
  RevokeSessionDocument,
  UserErrorCode,
  type UserErrorsFragment,
  type BuildersQuery,
  type BuilderCardFragment,
  EventType,
  FeedPageDocument,
  type FeedEventCardFragment,
  LandingPageDocument,
  ProjectPageDocument,
  ProjectStatus,
  TribePageDocument,
  ViewerDocument,
} from "./gql/graphql.js";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

/** `DateTime` is an ISO 8601 string on the wire (mapped to `string` by codegen). */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/**
 * Exhaustiveness, checked when compiling: a case a `switch` forgot is a type error here. At run
 * time a value newer than this build (a server deployed before the frontend) gets `fallback`,
 * so the page still renders.
 */
function unhandled(value: never, fallback: string): string {
  console.warn("Unhandled value from the API:", value);
  return fallback;
}

/** "in 3 projects", "1 builder": a count for a list heading, from `totalCount`. */
function countLabel(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** What a feed card says its event was done to; every member of `FeedTarget` is handled. */
export function describeTarget(target: FeedEventCardFragment["target"]): string {
  if (target === null) {
    return "something since deleted";
  }
  switch (target.__typename) {
    case "Project":
      return `the ${target.projectStatus === ProjectStatus.Shipped ? "shipped " : ""}project ${target.title}`;
    case "Tribe":
      return `the tribe ${target.name} (${target.tribeStatus.toLowerCase()})`;
    case "User":
      return `${target.displayName} (@${target.username})`;
    default:
      return unhandled(target, "something");
  }
}

/** A feed card's sentence: one case per `EventType`, so a new event type must be written. */
export function describeEvent(event: FeedEventCardFragment): string {
  const who = event.actor.displayName;
  const { metadata } = event;
  const stack = (metadata.techStack ?? []).join(", ");
  switch (event.eventType) {
    case EventType.ProjectCreated:
      return `${who} started ${describeTarget(event.target)}${stack ? ` with ${stack}` : ""}`;
    case EventType.ProjectShipped:
      return `${who} shipped ${metadata.projectTitle ?? "a project"}${metadata.release ? ` ${metadata.release}` : ""}`;
    case EventType.CollaborationConfirmed:
      return `${metadata.collaboratorName ?? who} joined ${metadata.ownerName ?? "a builder"} on ${metadata.projectTitle ?? "a project"}`;
    case EventType.TribeCreated:
      return `${who} founded ${metadata.tribeName ?? "a tribe"}${metadata.mission ? `: ${metadata.mission}` : ""}`;
    case EventType.MemberJoinedTribe:
      return `${who} joined ${describeTarget(event.target)}`;
    case EventType.BuilderJoined:
      return `${metadata.displayName ?? who} joined Find Your Tribe${metadata.headline ? ` — ${metadata.headline}` : ""}`;
    default:
      return unhandled(event.eventType, `${who} did something`);
  }
}

export interface FeedCard {
  readonly key: string;
  readonly text: string;
  readonly when: string;
  readonly actorHref: string;
}

function feedCard(event: FeedEventCardFragment): FeedCard {
  return {
    key: event.id,
    text: describeEvent(event),
    when: formatDate(event.createdAt),
    actorHref: `/builders/${event.actor.username}`,
  };
}

function builderCard(builder: BuilderCardFragment): { name: string; skills: string[]; available: boolean } {
  return {
    name: builder.displayName,
    skills: builder.skills.map((skill) => `${skill.name} (${skill.category.toLowerCase()})`),
    available: builder.availabilityStatus !== "JUST_BROWSING",
  };
}

/**
 * The landing page. Root fields are nullable: if one list fails (e.g. `feed` with a stale
 * cursor), the others still render and the failed section shows the error's message.
 */
export async function landingPage(api: ClientOptions) {
  const { data, errors } = await request(api, LandingPageDocument, { first: 6 });
  const sectionError = (field: string): string | null => {
    const error = errors.find((candidate) => candidate.path?.[0] === field);
    return error === undefined ? null : userMessage(error);
  };
  return {
    feed: data?.feed?.edges.map((edge) => feedCard(edge.node)) ?? [],
    feedError: sectionError("feed"),
    builders: data?.builders?.nodes.map(builderCard) ?? [],
    projects:
      data?.projects?.nodes.map((project) => ({
        title: project.title,
        stack: project.techStack.map((tech) => tech.toLowerCase()),
        users: project.impactMetrics.users ?? 0,
        stars: project.impactMetrics.stars ?? project.githubStars ?? 0,
        team: [project.owner.displayName, ...project.collaborators.map((c) => c.user.displayName)],
      })) ?? [],
    tribes:
      data?.tribes?.nodes.map((tribe) => ({
        name: tribe.name,
        seatsLeft: tribe.maxMembers - tribe.members.length,
        openRoles: tribe.openRoles
          .filter((role) => !role.filled)
          .map((role) => `${role.title}: ${role.skillsNeeded.join(", ")}`),
      })) ?? [],
  };
}

/** A builder's profile, or null when no builder has that username. */
export async function builderProfile(api: ClientOptions, username: string) {
  const { user } = requireData(await request(api, BuilderProfileDocument, { username }));
  if (user === null) {
    return null;
  }
  const links = Object.entries(user.contactLinks).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  const firstActivity = user.activity.edges[0]; // possibly undefined: noUncheckedIndexedAccess
  return {
    name: user.displayName,
    memberSince: formatDate(user.createdAt),
    links: links.map(([site, url]) => ({ site, url })),
    skills: user.skills.map((skill) => skill.name),
    owns: user.projects.map((project) => `${project.title} (${project.techStack.join(" · ")})`),
    collaboratesOn: user.collaborations.map(
      (c) => `${c.role ?? "Collaborator"} on ${c.project.title} by ${c.project.owner.displayName}` +
        (c.confirmedAt === null ? "" : ` since ${formatDate(c.confirmedAt)}`),
    ),
    tribes: user.tribes.map((tribe) => `${tribe.name} (${countLabel(tribe.members.length, "member")})`),
    activityHeading: countLabel(user.activity.totalCount, "update"),
    lastActive: firstActivity === undefined ? null : formatDate(firstActivity.node.createdAt),
    moreActivity: user.activity.pageInfo.hasNextPage ? user.activity.pageInfo.endCursor : null,
  };
}

/** A project page, or null when the id is unknown. */
export async function projectPage(api: ClientOptions, id: string) {
  const { project } = requireData(await request(api, ProjectPageDocument, { id }));
  if (project === null) {
    return null;
  }
  const { links, impactMetrics } = project;
  return {
    title: project.title,
    shipped: project.status === ProjectStatus.Shipped,
    created: formatDate(project.createdAt),
    updated: formatDate(project.updatedAt),
    stack: project.techStack,
    links: [links.github, links.demo, links.website].filter((url): url is string => url !== null),
    metrics: { users: impactMetrics.users, stars: impactMetrics.stars ?? project.githubStars },
    team: project.collaborators.map((c) => ({
      name: c.user.displayName,
      role: c.role ?? "Collaborator",
      since: c.confirmedAt === null ? null : new Date(c.confirmedAt),
    })),
  };
}

/** A tribe page, or null when the id is unknown. */
export async function tribePage(api: ClientOptions, id: string) {
  const { tribe } = requireData(await request(api, TribePageDocument, { id }));
  if (tribe === null) {
    return null;
  }
  return {
    name: tribe.name,
    founded: formatDate(tribe.createdAt),
    seats: `${tribe.members.length} of ${tribe.maxMembers}`,
    members: tribe.members.map((member) => ({
      name: member.user.displayName,
      isOwner: member.role === "OWNER",
      joined: member.joinedAt === null ? null : formatDate(member.joinedAt),
      skills: member.user.skills.map((skill) => skill.name),
    })),
    wanted: tribe.openRoles.map((role) => ({ title: role.title, skills: role.skillsNeeded, filled: role.filled })),
  };
}

/**
 * The builders directory's "load more", run to the end: each page continues after the last
 * page's `endCursor` until `hasNextPage` is false. The total comes from the first page.
 */
export async function allBuilders(api: ClientOptions, pageSize = 50) {
  const builders: BuilderCardFragment[] = [];
  let after: string | null = null;
  let total = 0;
  for (;;) {
    // Annotated: `after` feeds back into the loop, which defeats inference.
    const data: BuildersQuery = requireData(await request(api, BuildersDocument, { first: pageSize, after }));
    const page = data.builders;
    if (page === null) {
      break;
    }
    total = page.totalCount;
    builders.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) {
      break;
    }
    after = page.pageInfo.endCursor;
  }
  return { heading: countLabel(total, "builder"), cards: builders.map(builderCard) };
}

/**
 * One page of the feed for infinite scroll. A cursor the server no longer accepts
 * (`INVALID_CURSOR`) restarts the feed from the top instead of showing an error.
 */
export async function feedPage(api: ClientOptions, after: string | null) {
  const result = await request(api, FeedPageDocument, { first: 20, after });
  if (after !== null && result.errors.some((error) => error.extensions?.code === ErrorCode.InvalidCursor)) {
    return feedPage(api, null);
  }
  const feed = requireData(result).feed;
  return {
    cards: feed?.edges.map((edge) => feedCard(edge.node)) ?? [],
    next: feed?.pageInfo.hasNextPage === true ? feed.pageInfo.endCursor : null,
  };
}

/**
 * The header's account menu: who is signed in, or a "Sign in with GitHub" link that comes
 * back to `currentPath`. `request` sends the session cookie and refreshes an expired access
 * token by itself; a session that is over shows as signed out.
 */
export async function accountMenu(api: ClientOptions, currentPath: string) {
  const { data, errors } = await request(api, ViewerDocument, {});
  const viewer = data?.viewer ?? null;
  const sessionOver = errors.some(
    (error) =>
      error.extensions?.code === ErrorCode.SessionRevoked || error.extensions?.code === ErrorCode.AccessTokenInvalid,
  );
  if (viewer === null) {
    return { signedIn: false as const, signInHref: signInUrl(api, currentPath), sessionOver };
  }
  return {
    signedIn: true as const,
    name: viewer.displayName,
    avatar: viewer.avatarUrl,
    email: viewer.email, // the viewer's own: null only if GitHub gave none
    finishProfile: !viewer.onboardingCompleted ? `/builders/${viewer.username}/edit` : null,
    signOut: () => signOut(api),
  };
}

/** What a form shows for refused input: messages by input field, and one for the whole form. */
export function formErrors(userErrors: readonly UserErrorsFragment[]) {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  for (const error of userErrors) {
    const field = error.field?.slice(1).join(".");
    if (field) {
      byField[field] = error.message;
    } else if (error.code === UserErrorCode.Forbidden) {
      general.push("You can only change your own projects and tribes.");
    } else {
      general.push(error.message);
    }
  }
  return { byField, general };
}

/**
 * The "new project" form: one idempotency key per form, so a retried submit (a timeout,
 * a double click) never creates the project twice.
 */
export async function submitNewProject(api: ClientOptions, input: Omit<CreateProjectInput, "idempotencyKey">, formKey: string) {
  const payload = requireData(
    await request(api, CreateProjectDocument, { input: { ...input, idempotencyKey: formKey } }),
  ).createProject;
  if (payload.project === null) {
    return { created: false as const, ...formErrors(payload.userErrors) };
  }
  return { created: true as const, href: `/projects/${payload.project.id}`, updatedAt: payload.project.updatedAt };
}

/** The invitation banner's buttons: accept or decline; a second click is CONFLICT, shown as done. */
export async function answerInvitation(api: ClientOptions, projectId: string, accept: boolean) {
  const payload = requireData(
    await request(api, RespondToCollaborationDocument, { input: { projectId, accept } }),
  ).respondToCollaboration;
  const alreadyAnswered = payload.userErrors.some((error) => error.code === UserErrorCode.Conflict);
  return { status: payload.collaborator?.status ?? null, alreadyAnswered };
}

/**
 * The account page's "sign out that device" button: ends one of the viewer's sessions.
 * Someone else's, or one already ended, is NOT_FOUND: shown as gone too.
 */
export async function revokeSession(api: ClientOptions, sessionId: string) {
  const payload = requireData(await request(api, RevokeSessionDocument, { input: { sessionId } })).revokeSession;
  const gone = payload.revokedSessionId !== null || payload.userErrors.some((error) => error.code === UserErrorCode.NotFound);
  return { gone, signedIn: payload.viewer !== null };
}
