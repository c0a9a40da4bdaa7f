// The `extensions.code` values the API puts on every GraphQL error.
// Their home is the server (tribe_service/graphql/errors.py and the ClientError subclasses,
// listed in the README's API section); this list mirrors it for the frontend.

/** Codes the server sends today. */
export const ErrorCode = {
  /** The query text is not GraphQL. */
  ParseFailed: "GRAPHQL_PARSE_FAILED",
  /** The query does not fit the schema (unknown field, wrong argument type, ...). */
  ValidationFailed: "GRAPHQL_VALIDATION_FAILED",
  /** Variables that do not fit their types, or an unknown operation name. */
  BadUserInput: "BAD_USER_INPUT",
  /** A request the API refused with a message meant to be shown. */
  BadRequest: "BAD_REQUEST",
  /** `first` outside 1..100. */
  InvalidPageSize: "INVALID_PAGE_SIZE",
  /** An `after` cursor this list did not make: start the list again. */
  InvalidCursor: "INVALID_CURSOR",
  /** A text argument holding NUL. */
  InvalidText: "INVALID_TEXT",
  /** A `search` query that is empty, blank or over 200 characters. */
  InvalidSearch: "INVALID_SEARCH",
  /** Nested deeper than the API allows. */
  QueryTooDeep: "QUERY_TOO_DEEP",
  /** More aliases than the API allows. */
  TooManyAliases: "TOO_MANY_ALIASES",
  /** A document longer than the API allows. */
  TooManyTokens: "TOO_MANY_TOKENS",
  /** The operation may cost more than the API allows (`cost`, `limit` in extensions): smaller pages. */
  QueryTooComplex: "QUERY_TOO_COMPLEX",
  /** More field selections than the API allows once fragments are expanded. */
  QueryTooLarge: "QUERY_TOO_LARGE",
  /** HTTP 429: this client's budget for the minute is spent; retry after `retryAfter` seconds. */
  RateLimited: "RATE_LIMITED",
  /** The operation ran past the server's time limit and was stopped. */
  Timeout: "TIMEOUT",
  /** A persisted-query hash the server does not know: send the text with it. */
  PersistedQueryNotFound: "PERSISTED_QUERY_NOT_FOUND",
  /** Production answers only the operations in its trusted-documents manifest. */
  PersistedQueryNotInList: "PERSISTED_QUERY_NOT_IN_LIST",
  /** The query text does not hash to the `sha256Hash` sent with it. */
  PersistedQueryHashMismatch: "PERSISTED_QUERY_HASH_MISMATCH",
  /** The database is briefly unreachable: retrying in a few seconds may succeed. */
  DatabaseUnavailable: "DATABASE_UNAVAILABLE",
  /** A bug on the server; its message is masked in production. */
  InternalServerError: "INTERNAL_SERVER_ERROR",
  /** HTTP 401: the access token ran out; `request` refreshes the session and retries once. */
  AccessTokenExpired: "ACCESS_TOKEN_EXPIRED",
  /** HTTP 401: the access cookie is not one the API can read (a retired key, tampering): `request` refreshes once. */
  AccessTokenInvalid: "ACCESS_TOKEN_INVALID",
  /** HTTP 401: the session was signed out, or ended because a stolen token was used. */
  SessionRevoked: "SESSION_REVOKED",
  /** HTTP 403: a request with the session cookie from a page not in the API's CORS_ORIGINS. */
  CrossOriginRequest: "CROSS_ORIGIN_REQUEST",
} as const;

export type KnownErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Any code: a known one, or one a newer server sends. `string & {}` keeps editor completion
 * for the known codes while a `switch` over them still needs a `default` branch.
 */
export type ErrorCodeValue = KnownErrorCode | (string & {});

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLResponseError {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
  readonly locations?: ReadonlyArray<{ readonly line: number; readonly column: number }>;
  readonly extensions?: { readonly code?: ErrorCodeValue; readonly [key: string]: unknown };
}

/** The codes a user can do something about by retrying, as opposed to a bug to report. */
export function isRetryable(error: GraphQLResponseError): boolean {
  const code = error.extensions?.code;
  return (
    code === ErrorCode.DatabaseUnavailable ||
    code === ErrorCode.RateLimited ||
    code === ErrorCode.Timeout
  );
}

/** What the UI says for an error, chosen by its code, never by parsing its message. */
export function userMessage(error: GraphQLResponseError): string {
  const code = error.extensions?.code;
  switch (code) {
    case ErrorCode.DatabaseUnavailable:
      return "We could not reach our database. Try again in a few seconds.";
    case ErrorCode.InvalidCursor:
      return "This list changed; it starts again from the top.";
    case ErrorCode.RateLimited:
      return "Too many requests in a short time. Try again in a minute.";
    case ErrorCode.Timeout:
      return "This took too long. Try again, or ask for less.";
    case ErrorCode.InvalidPageSize:
    case ErrorCode.InvalidText:
    case ErrorCode.InvalidSearch:
    case ErrorCode.BadRequest:
      return error.message; // safe to show: the API writes these messages for people
    case ErrorCode.ParseFailed:
    case ErrorCode.ValidationFailed:
    case ErrorCode.BadUserInput:
    case ErrorCode.QueryTooDeep:
    case ErrorCode.TooManyAliases:
    case ErrorCode.TooManyTokens:
    case ErrorCode.QueryTooComplex:
    case ErrorCode.QueryTooLarge:
    case ErrorCode.PersistedQueryNotFound:
    case ErrorCode.PersistedQueryNotInList:
    case ErrorCode.PersistedQueryHashMismatch:
    case ErrorCode.CrossOriginRequest:
      return "This page asked the API for something it does not accept (a bug in the page).";
    case ErrorCode.AccessTokenExpired:
    case ErrorCode.AccessTokenInvalid:
    case ErrorCode.SessionRevoked:
      return "You were signed out. Sign in again to continue.";
    case ErrorCode.InternalServerError:
    case undefined:
    default:
      return "Something went wrong on our side.";
  }
}
