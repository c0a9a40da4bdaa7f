"""Sign in with GitHub, and sessions that survive token theft (README: "Sign in with GitHub").

The API is the OAuth client (a backend for the frontend): the browser never sees
a GitHub token, only HttpOnly cookies holding this API's own session tokens.

* :mod:`~tribe_service.auth.github`: the authorization-code flow with PKCE
  (Authlib's httpx client) and the GitHub user it yields;
* :mod:`~tribe_service.auth.sign_in_state`: ``state``, the PKCE verifier and the
  return path, bound to the browser by a short-lived signed cookie;
* :mod:`~tribe_service.auth.builders`: the builder a GitHub user is (by numeric id);
* :mod:`~tribe_service.auth.signed_tokens`: HS256 tokens with rotating keys;
* :mod:`~tribe_service.auth.sessions`: short-lived access tokens and rotating
  refresh tokens in families, reuse detection;
* :mod:`~tribe_service.auth.cookies`: the cookies that carry them;
* :mod:`~tribe_service.auth.origin_check`: cookie-carrying writes only from known origins;
* :mod:`~tribe_service.auth.routes`: the ``/auth`` endpoints;
* :mod:`~tribe_service.auth.errors`: the error codes clients branch on.
"""
