"""The landing page's GraphQL query, shared by tests and the benchmark."""

LANDING_PAGE_QUERY = """
query LandingPage($first: Int!) {
  feed(first: $first) {
    edges {
      cursor
      node {
        id eventType targetType targetId metadata createdAt
        actor { id username displayName avatarUrl }
        target {
          __typename
          ... on Project { id title projectStatus: status }
          ... on Tribe { id name tribeStatus: status }
          ... on User { id username displayName }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  builders(first: $first) {
    nodes {
      id username displayName headline primaryRole availabilityStatus builderScore
      skills { name slug category }
    }
    pageInfo { hasNextPage endCursor }
  }
  projects(first: $first) {
    nodes {
      id title description status techStack githubStars impactMetrics
      owner { username displayName }
      collaborators { role status user { username displayName } }
    }
  }
  tribes(first: $first) {
    nodes {
      id name mission status maxMembers
      owner { username displayName }
      members { role status user { username displayName } }
      openRoles { title skillsNeeded filled }
    }
  }
}
"""
