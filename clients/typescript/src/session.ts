// Signing in and out. The API is the OAuth client (a backend for the frontend): the browser
// never holds a GitHub token, only the API's HttpOnly session cookies, which scripts cannot
// read. So the frontend only navigates to the API to sign in, and sends every request with
// `credentials: "include"` (client.ts); the page must be on the same site as the API.

/** Where the API is: client.ts's `ClientOptions` fits (declared here so client.ts can use this module). */
export interface ApiLocation {
  /** The API's GraphQL endpoint; `/auth/...` is next to it. */
  readonly endpoint: string;
  readonly fetch?: typeof fetch;
}

/** An API path next to the GraphQL endpoint (`/graphql` -> `/auth/...`). */
function apiUrl(api: ApiLocation, path: string): string {
  return new URL(path, api.endpoint).toString();
}

/**
 * Where "Sign in with GitHub" points: a full-page navigation, not a fetch. After GitHub, the
 * API comes back to `returnTo` (a path of the frontend: anything else is refused).
 */
export function signInUrl(api: ApiLocation, returnTo: string): string {
  return `${apiUrl(api, "/auth/github/start")}?return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * Rotate the session's refresh token for a new access token. False when the session is over
 * (signed out elsewhere, expired, or ended because a stolen token was used): sign in again.
 */
export async function refreshSession(api: ApiLocation): Promise<boolean> {
  const response = await (api.fetch ?? fetch)(apiUrl(api, "/auth/refresh"), {
    method: "POST",
    credentials: "include",
  });
  return response.ok;
}

/** End the session on the server (every token of it) and drop the cookies. */
export async function signOut(api: ApiLocation): Promise<void> {
  await (api.fetch ?? fetch)(apiUrl(api, "/auth/sign-out"), { method: "POST", credentials: "include" });
}
