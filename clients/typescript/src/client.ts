// A tiny typed GraphQL client over fetch: the result and variable types come from the
// TypedDocumentNode that codegen generated for each operation, so a call site cannot pass
// the wrong variables or read a field the operation did not select.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

import { ErrorCode, type GraphQLResponseError } from "./errors.js";
import { refreshSession } from "./session.js";

/** A GraphQL response: root fields are nullable, so `data` may be partial next to `errors`. */
export interface GraphQLResult<TData> {
  readonly data: TData | null;
  readonly errors: readonly GraphQLResponseError[];
}

/** Thrown when the response is not GraphQL at all (HTTP 4xx/5xx without a GraphQL body). */
export class GraphQLTransportError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "GraphQLTransportError";
  }
}

/** Thrown by {@link requireData} when a field the page cannot do without failed. */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: readonly GraphQLResponseError[]) {
    super(errors.map((error) => `${error.extensions?.code ?? "UNKNOWN"}: ${error.message}`).join("; "));
    this.name = "GraphQLRequestError";
  }
}

export interface ClientOptions {
  /** The API's GraphQL endpoint, e.g. `http://127.0.0.1:8000/graphql`. */
  readonly endpoint: string;
  /**
   * Send only the document's hash (trusted documents), not its text. For a production server
   * that loads src/gql/persisted-documents.json as its manifest.
   */
  readonly hashOnly?: boolean;
  readonly fetch?: typeof fetch;
}

/** The hash codegen embeds in each document when `persistedDocuments` is on. */
function documentHash(document: TypedDocumentNode<unknown, never>): string | undefined {
  const meta: unknown = (document as { __meta__?: unknown }).__meta__;
  if (typeof meta === "object" && meta !== null && "hash" in meta && typeof meta.hash === "string") {
    return meta.hash;
  }
  return undefined;
}

function isResponseBody(body: unknown): body is { data?: unknown; errors?: GraphQLResponseError[] } {
  return typeof body === "object" && body !== null && ("data" in body || "errors" in body);
}

/** Refusals a refreshed session cures. */
const REFRESHABLE: ReadonlySet<string> = new Set([ErrorCode.AccessTokenExpired, ErrorCode.AccessTokenInvalid]);

/** The body's first error code, when the API refused the whole request (a 401, say). */
function refusalCode(body: unknown): string | undefined {
  return isResponseBody(body) ? body.errors?.[0]?.extensions?.code : undefined;
}

/**
 * Send one operation; resolve to its (possibly partial) data and its errors.
 *
 * The session cookies go with it (`credentials: "include"`). An access token the API can no
 * longer use is a 401 `ACCESS_TOKEN_EXPIRED` (or `ACCESS_TOKEN_INVALID`: signed with a key
 * since retired): the session is refreshed once and the operation sent again.
 */
export async function request<TData, TVariables extends Record<string, unknown>>(
  options: ClientOptions,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<GraphQLResult<TData>> {
  const hash = documentHash(document as TypedDocumentNode<unknown, never>);
  const body = JSON.stringify({
    ...(options.hashOnly === true ? {} : { query: print(document) }),
    variables,
    ...(hash === undefined ? {} : { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  const send = () =>
    (options.fetch ?? fetch)(options.endpoint, {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body,
    });
  let response = await send();
  let parsed: unknown = await response.json().catch(() => null);
  if (
    response.status === 401 &&
    REFRESHABLE.has(refusalCode(parsed) ?? "") &&
    (await refreshSession(options))
  ) {
    response = await send();
    parsed = await response.json().catch(() => null);
  }
  if (!isResponseBody(parsed)) {
    throw new GraphQLTransportError(response.status, `HTTP ${response.status} without a GraphQL body`);
  }
  // The cast is the one trust boundary: the server answers the document it was sent.
  return { data: (parsed.data ?? null) as TData | null, errors: parsed.errors ?? [] };
}

/** The data, or throw if there is none (use where a page cannot render anything without it). */
export function requireData<TData>(result: GraphQLResult<TData>): TData {
  if (result.data === null) {
    throw new GraphQLRequestError(result.errors);
  }
  return result.data;
}
