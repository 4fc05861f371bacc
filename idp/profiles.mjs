// How each provider the app has a preset for departs from the specs, as far as a desktop
// client sees it: the local provider (server.mjs) plays one of them with --profile NAME. Each
// profile follows the provider's published behaviour (../docs/providers/NAME.md gives the
// sources); what oidc-provider's configuration can say is said there, the rest is a rewrite
// of the request before oidc-provider reads it, or of its answer after.
//
// A profile has:
//   issuerPath      the issuer's path (the provider is mounted there); TENANT stands for the
//                   Entra ID tenant
//   mounts          other paths the provider also answers under (Entra ID's common authority)
//   domain          a host other than the issuer's for the browser and token endpoints, which
//                   discovery names (Google's token endpoint, Cognito's pool domain)
//   routes          oidc-provider's routes, relative to the mount
//   client          the registered client, over the defaults
//   clientAuthMethods, features, rotateRefreshToken, refreshTokens ('always' or
//                   'offline_access')
//   refreshResponse 'omit' (no refresh_token after a refresh), 'new' (a new one each time while
//                   the old ones stay valid), or unset (oidc-provider's own)
//   apiScopes       how an API is named: 'prefixed' (its scopes are RESOURCE/scope: Entra ID,
//                   Cognito), 'custom' (any scope outside OpenID Connect's is the authorization
//                   server's audience: Okta, Keycloak) or 'audience' (Auth0's parameter)
//   discovery(doc, mount)        edits the discovery document
//   claims(account, refreshing)  the ID token's claims over the profile's
//   sendsIss        false: no RFC 9207 iss in the authorization response (not advertised)
//   before(ctx, body)            answers a request itself (returns true), before oidc-provider
//   after(ctx)                   edits oidc-provider's answer

import { createHash } from 'node:crypto';

export const TENANT = 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
export const COGNITO_POOL = 'us-east-1_Gatehouse';
// The page Cognito's /logout may send the browser to ("Allowed sign-out URLs"), served here.
export const SIGNED_OUT_PATH = '/signed-out';

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access']);

// Entra ID's error answers carry fields of their own (v2-oauth2-auth-code-flow, "Error
// response").
function entraError(body, code) {
  return {
    ...body,
    error_description: `AADSTS${code}: ${body.error_description ?? body.error}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    trace_id: '00000000-0000-0000-0000-000000000001',
    correlation_id: '00000000-0000-0000-0000-000000000002',
    error_uri: 'https://login.microsoftonline.com/error?code=' + code,
  };
}

function htmlError(ctx, status, title, text) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = `<!doctype html><title>${title}</title><h1>${title}</h1><p>${text}</p>`;
}

function jsonError(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'json';
  ctx.body = body;
}

function hasSecret(ctx, body) {
  return Boolean(body?.client_secret || ctx.get('authorization'));
}

export const profiles = {
  // Google, "Desktop app" OAuth client: a client secret that is not secret but required at the
  // token endpoint; offline_access refused, a refresh token returned anyway and never rotated;
  // refreshed ID tokens without name or picture; no logout endpoint, no PAR, no DPoP; prompt
  // values none, consent and select_account only.
  google: {
    issuerPath: '',
    domain: 'localhost', // oauth2.googleapis.com: the token and revocation endpoints
    domainRoutes: ['token', 'revocation', 'userinfo'],
    routes: {
      authorization: '/o/oauth2/v2/auth',
      token: '/token',
      revocation: '/revoke',
      jwks: '/oauth2/v3/certs',
      userinfo: '/v1/userinfo',
    },
    client: { token_endpoint_auth_method: 'client_secret_basic' },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    features: { par: false, dpop: false, logout: false, revocation: true },
    rotateRefreshToken: false,
    refreshTokens: 'always',
    refreshResponse: 'omit',
    discovery(doc) {
      doc.code_challenge_methods_supported = ['plain', 'S256'];
      doc.token_endpoint_auth_methods_supported = ['client_secret_post', 'client_secret_basic'];
      delete doc.authorization_response_iss_parameter_supported;
    },
    claims(_account, refreshing) {
      // Workspace accounts carry their hosted domain.
      return { hd: 'example.test', email_verified: true, drop: refreshing ? ['name', 'picture'] : [] };
    },
    before(ctx, body, routes) {
      if (ctx.method === 'GET' && ctx.path === routes.authorization) {
        const scope = String(ctx.query.scope ?? '').split(' ');
        const prompt = String(ctx.query.prompt ?? '').split(' ');
        if (prompt.some((value) => value && !['none', 'consent', 'select_account'].includes(value))) {
          htmlError(ctx, 400, 'Error 400: invalid_request', 'Invalid parameter value for prompt');
          return true;
        }
        // The account chooser, played by the local login: oidc-provider knows no
        // select_account.
        if (prompt.includes('select_account')) ctx.query = { ...ctx.query, prompt: 'login' };
        if (scope.includes('offline_access') && ctx.query.redirect_uri) {
          const back = new URL(String(ctx.query.redirect_uri));
          back.searchParams.set('error', 'invalid_scope');
          back.searchParams.set('error_description', 'Some requested scopes were invalid. {invalid=[offline_access]}');
          if (ctx.query.state) back.searchParams.set('state', String(ctx.query.state));
          ctx.redirect(back.href);
          return true;
        }
      }
      if (ctx.method === 'POST' && ctx.path === routes.token && !hasSecret(ctx, body)) {
        jsonError(ctx, 400, { error: 'invalid_request', error_description: 'client_secret is missing.' });
        return true;
      }
      return false;
    },
  },

  // Microsoft Entra ID (v2.0): the common and organizations authorities publish their issuer
  // as a template; no revocation endpoint; PKCE not advertised; a public client must send no
  // secret; http://localhost redirects with any port; a new refresh token on each refresh
  // while the old one stays valid; errors with fields of their own; tid and oid claims.
  entra: {
    sendsIss: false, // no RFC 9207 iss in the authorization response
    issuerPath: `/${TENANT}/v2.0`,
    mounts: ['/common/v2.0', '/organizations/v2.0'],
    routes: {
      authorization: '/oauth2/v2.0/authorize',
      token: '/oauth2/v2.0/token',
      jwks: '/discovery/v2.0/keys',
      end_session: '/oauth2/v2.0/logout',
      userinfo: '/oidc/userinfo',
    },
    client: { redirect_uris: ['http://localhost/callback'] },
    features: { par: false, dpop: false, logout: true, revocation: false },
    rotateRefreshToken: false,
    refreshTokens: 'offline_access',
    refreshResponse: 'new',
    apiScopes: 'prefixed',
    discovery(doc, mount) {
      if (mount === '/common/v2.0' || mount === '/organizations/v2.0') {
        doc.issuer = doc.issuer.replace(TENANT, '{tenantid}');
      }
      delete doc.code_challenge_methods_supported;
      delete doc.authorization_response_iss_parameter_supported;
      doc.token_endpoint_auth_methods_supported = ['client_secret_post', 'private_key_jwt', 'client_secret_basic'];
    },
    claims(account) {
      // oid: the person's id across the tenant's apps; no email_verified claim at all.
      const hex = createHash('sha256').update(account).digest('hex');
      const oid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      return { tid: TENANT, oid, ver: '2.0', drop: ['email_verified'] };
    },
    before(ctx, body, routes) {
      if (ctx.method === 'POST' && ctx.path === routes.token && hasSecret(ctx, body)) {
        jsonError(ctx, 401, entraError({
          error: 'invalid_client',
          error_description: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        }, 700025));
        return true;
      }
      return false;
    },
    after(ctx, routes) {
      if (ctx.path === routes.token && ctx.status >= 400 && ctx.body?.error) {
        ctx.body = entraError(ctx.body, ctx.body.error === 'invalid_grant' ? 70008 : 90014);
      }
    },
  },

  // Okta, custom authorization server "default": the issuer has a path; PAR and DPoP (with the
  // nonce asked for by a 400); a persistent refresh token for native apps; exact redirect URIs,
  // port included; logout only with id_token_hint; custom scopes for the server's audience.
  okta: {
    sendsIss: false, // no RFC 9207 iss in the authorization response
    issuerPath: '/oauth2/default',
    routes: {
      authorization: '/v1/authorize',
      token: '/v1/token',
      jwks: '/v1/keys',
      revocation: '/v1/revoke',
      end_session: '/v1/logout',
      userinfo: '/v1/userinfo',
      pushed_authorization_request: '/v1/par',
    },
    exactRedirect: '127.0.0.1',
    features: { par: true, dpop: true, dpopNonce: true, logout: true, revocation: true },
    rotateRefreshToken: false,
    refreshTokens: 'offline_access',
    apiScopes: 'custom',
    discovery(doc) {
      delete doc.authorization_response_iss_parameter_supported;
      doc.dpop_signing_alg_values_supported = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
    },
    before(ctx, _body, routes) {
      if (ctx.method === 'GET' && ctx.path === routes.end_session && !ctx.query.id_token_hint) {
        htmlError(ctx, 400, '400 Bad Request', 'The id_token_hint parameter is required.');
        return true;
      }
      return false;
    },
  },

  // Keycloak 26, realm "gatehouse": the issuer has a path; PAR, DPoP without an authorization
  // server nonce, the iss authorization response parameter; a refresh token without
  // offline_access, a new one on each refresh while the old stays valid; logout by client_id.
  keycloak: {
    issuerPath: '/realms/gatehouse',
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      revocation: '/protocol/openid-connect/revoke',
      end_session: '/protocol/openid-connect/logout',
      userinfo: '/protocol/openid-connect/userinfo',
      pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
    },
    features: { par: true, dpop: true, dpopNonce: false, logout: true, revocation: true },
    rotateRefreshToken: false,
    refreshTokens: 'always',
    refreshResponse: 'new',
    apiScopes: 'custom',
    discovery(doc) {
      doc.code_challenge_methods_supported = ['plain', 'S256'];
    },
  },

  // Amazon Cognito user pool: discovery on cognito-idp, the endpoints on the pool's domain;
  // revocation (/oauth2/revoke) and logout (/logout?client_id&logout_uri) not in discovery;
  // PKCE not advertised; a refresh token with the code, never rotated (none in a refresh's
  // answer); errors without a description; resource-server scopes (RESOURCE/scope).
  cognito: {
    sendsIss: false, // no RFC 9207 iss in the authorization response
    issuerPath: `/${COGNITO_POOL}`,
    domain: 'localhost', // {prefix}.auth.{region}.amazoncognito.com
    domainRoutes: ['authorization', 'token', 'userinfo', 'revocation'],
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo',
      revocation: '/oauth2/revoke',
      jwks: '/.well-known/jwks.json',
    },
    exactRedirect: 'localhost',
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    features: { par: false, dpop: false, logout: false, revocation: true },
    rotateRefreshToken: false,
    refreshTokens: 'always',
    refreshResponse: 'omit',
    apiScopes: 'prefixed',
    discovery(doc) {
      delete doc.revocation_endpoint;
      delete doc.end_session_endpoint;
      delete doc.code_challenge_methods_supported;
      delete doc.authorization_response_iss_parameter_supported;
      doc.token_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post'];
    },
    claims(account) {
      return { 'cognito:username': account, token_use: 'id' };
    },
    before(ctx, body, routes, state) {
      // The pool's logout page (not OpenID Connect's): client_id and an allowed logout_uri.
      if (ctx.method === 'GET' && ctx.path === '/logout') {
        const allowed = `http://127.0.0.1:${state.port}${SIGNED_OUT_PATH}`;
        if (ctx.query.client_id !== state.clientId || ctx.query.logout_uri !== allowed) {
          ctx.redirect(`/error?error=redirect_mismatch&client_id=${encodeURIComponent(String(ctx.query.client_id ?? ''))}`);
          return true;
        }
        state.stats.logouts += 1;
        ctx.redirect(allowed);
        return true;
      }
      // Refresh tokens only.
      if (ctx.method === 'POST' && ctx.path === routes.revocation && body?.token_type_hint === 'access_token') {
        jsonError(ctx, 400, { error: 'unsupported_token_type' });
        return true;
      }
      return false;
    },
    after(ctx, routes) {
      if ((ctx.path === routes.token || ctx.path === routes.revocation) && ctx.status >= 400 && ctx.body?.error) {
        ctx.body = { error: ctx.body.error };
      }
    },
  },

  // Auth0: the issuer ends with a slash; /authorize, /oauth/token, /oauth/revoke,
  // /oidc/logout; an API named by audience; rotating refresh tokens; a dead refresh token
  // answered with 403; exact redirect URIs, port included; "none" not listed among the
  // authentication methods though native apps use it; HS256 listed.
  auth0: {
    sendsIss: false, // no RFC 9207 iss in the authorization response
    issuerPath: '/',
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      revocation: '/oauth/revoke',
      jwks: '/.well-known/jwks.json',
      end_session: '/oidc/logout',
      userinfo: '/userinfo',
    },
    exactRedirect: '127.0.0.1',
    features: { par: false, dpop: false, logout: true, revocation: true },
    refreshTokens: 'offline_access',
    apiScopes: 'audience',
    discovery(doc) {
      doc.token_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
      doc.id_token_signing_alg_values_supported = ['HS256', 'RS256', 'PS256'];
      doc.code_challenge_methods_supported = ['S256', 'plain'];
      delete doc.authorization_response_iss_parameter_supported;
    },
    after(ctx, routes) {
      if (ctx.path === routes.token && ctx.body?.error === 'invalid_grant' && ctx.oidc?.params?.grant_type === 'refresh_token') {
        ctx.status = 403;
        ctx.body = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };
      }
    },
  },
};

// Rewrites an authorization or token request's parameters (`params`, a URLSearchParams) so
// that oidc-provider, which knows APIs by RFC 8707 resource indicators, sees the API the
// profile's way of naming it meant.
export function nameApis(profile, params, resources) {
  if (profile.apiScopes === 'audience') {
    const audience = params.get('audience');
    if (audience) {
      params.delete('audience');
      params.set('resource', audience);
    }
    return;
  }
  if (!params.has('scope')) return;
  const named = new Set();
  const scopes = params.get('scope').split(' ').filter(Boolean).map((scope) => {
    if (profile.apiScopes === 'prefixed') {
      const resource = resources.find((r) => scope.startsWith(`${r.replace(/\/$/, '')}/`));
      if (!resource) return scope;
      named.add(resource);
      return scope.slice(resource.replace(/\/$/, '').length + 1);
    }
    if (profile.apiScopes === 'custom' && !OIDC_SCOPES.has(scope) && resources.length) {
      named.add(resources[0]);
    }
    return scope;
  });
  if (!named.size) return;
  params.set('scope', scopes.join(' '));
  params.delete('resource');
  for (const resource of named) params.append('resource', resource);
}
