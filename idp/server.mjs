// Gatehouse's local identity provider: a real, certified OpenID provider (npm oidc-provider)
// on 127.0.0.1 with its stock settings for a native public client, or playing a provider
// people sign in with (--profile, see profiles.mjs).
//
//   node idp/server.mjs [--port 0] [--client-id gatehouse-local] [--auto-login]
//                       [--id-token-ttl 3600] [--account ada] [--deny]
//                       [--resource URI]... [--resource-token-ttl SECONDS] [--dpop]
//                       [--profile google|entra|okta|keycloak|cognito|auth0]
//                       [--client-secret SECRET] [--redirect-port PORT]
//
// Prints one JSON line when ready: {"issuer": "...", "clientId": "...", "discovery": "..."}
// (discovery: where its discovery document is, which for Entra ID's profile is the common
// authority's). --client-secret is the secret of a profile whose desktop clients have one
// (google); --redirect-port the one port a profile that matches redirect URIs exactly (okta,
// cognito, auth0) has registered.
// --auto-login finishes login and consent on the first request (for tests); without it the
// provider's own login form asks for a name (any name signs in). --deny makes the automatic
// login refuse instead, as a person pressing "Cancel" at the provider would (access_denied).
// GET /_gatehouse/stats answers how many grants of each type succeeded and how many
// revocations were made (of each token_type_hint), for tests that need to know what the
// provider saw.
// Each --resource is an API (RFC 8707 resource indicator) with the scopes "read" and "write",
// whose access tokens are JWTs for that audience, signed with the provider's key; they live
// --resource-token-ttl seconds (default: as long as ID tokens).
// --dpop turns on DPoP (RFC 9449) with server-issued nonces required: tokens requested with a
// proof are bound to its key.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { nameApis, profiles, SIGNED_OUT_PATH, TENANT } from './profiles.mjs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: 'gatehouse-local' },
    'auto-login': { type: 'boolean', default: false },
    'id-token-ttl': { type: 'string', default: '3600' },
    account: { type: 'string', default: 'ada' },
    deny: { type: 'boolean', default: false },
    resource: { type: 'string', multiple: true, default: [] },
    'resource-token-ttl': { type: 'string' },
    dpop: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'client-secret': { type: 'string', default: 'local-desktop-secret' },
    'redirect-port': { type: 'string' },
  },
});

// The stock provider: oidc-provider's defaults, a native public client.
const stock = {
  issuerPath: '',
  routes: {},
  features: { par: true, dpop: args.dpop, dpopNonce: true, logout: true, revocation: true },
  refreshTokens: 'offline_access',
};
const played = args.profile ? profiles[args.profile] : stock;
if (!played) throw new Error(`no such profile: ${args.profile}`);
if (played.exactRedirect && !args['redirect-port']) {
  throw new Error(`--profile ${args.profile} registers one redirect URI, port included: give --redirect-port`);
}

const idTokenTtl = Number(args['id-token-ttl']);
const resourceTokenTtl = Number(args['resource-token-ttl'] ?? idTokenTtl);
const clientId = args['client-id'];

// Fresh signing keys every start; the provider's storage is in memory too.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

// Auth0 issues a refresh token whenever offline_access is asked for. oidc-provider drops
// offline_access unless prompt=consent, so remember which requests asked for it (by nonce).
const offlineNonces = new Set();

const stats = {
  authorization_code: 0,
  refresh_token: 0,
  revocations: 0, // of any token, answered 200
  // Revocation requests by token_type_hint, whatever the answer: a JWT access token is refused
  // (unsupported_token_type, RFC 7009 §2.2.1), as oidc-provider keeps no record of one.
  refresh_token_revocations_asked: 0,
  access_token_revocations_asked: 0,
  refresh_errors: 0,
  pushed_requests: 0,
  login_prompts: 0, // authorization requests with prompt=login (OIDC Core 3.1.2.1)
  prompts: {}, // authorization requests by their prompt value
  logouts: 0, // visits of the provider's logout page
};

function person(accountId) {
  const name = accountId.charAt(0).toUpperCase() + accountId.slice(1);
  return {
    sub: accountId,
    name: accountId === 'ada' ? 'Ada Lovelace' : name,
    nickname: accountId,
    preferred_username: accountId,
    email: `${accountId}@example.test`,
    email_verified: true,
  };
}

function profileClaims(accountId, refreshing) {
  const claims = { ...person(accountId), ...(played.claims?.(accountId, refreshing) ?? {}) };
  for (const name of claims.drop ?? []) delete claims[name];
  delete claims.drop;
  return claims;
}

const server = http.createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const port = server.address().port;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${played.issuerPath}`;
  const mountPath = played.issuerPath.replace(/\/$/, '');
  const mounts = [mountPath, ...(played.mounts ?? [])].filter(Boolean);
  const features = played.features;
  const redirectUris = played.exactRedirect
    ? [`http://${played.exactRedirect}:${args['redirect-port']}/callback`]
    : ['http://127.0.0.1/callback'];
  const client = {
    client_id: clientId,
    application_type: 'native', // loopback redirect: any port (RFC 8252 §7.3)
    token_endpoint_auth_method: 'none', // a public client: no secret
    redirect_uris: redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(played.client ?? {}),
  };
  if (client.token_endpoint_auth_method !== 'none') client.client_secret = args['client-secret'];
  const provider = new Provider(issuer, {
    clients: [client],
    ...(played.clientAuthMethods ? { clientAuthMethods: played.clientAuthMethods } : {}),
    routes: played.routes,
    jwks: { keys: [{ ...signingKey, kid: 'local-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x] },
    claims: {
      openid: ['sub', 'tid', 'oid', 'ver', 'hd', 'cognito:username', 'token_use'],
      profile: ['name', 'nickname', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false, // profile claims in the ID token, as providers put them
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => profileClaims(id, ctx.oidc?.params?.grant_type === 'refresh_token'),
    }),
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && (played.refreshTokens === 'always'
        || code.scopes.has('offline_access') || offlineNonces.has(code.nonce)),
    ...('rotateRefreshToken' in played ? { rotateRefreshToken: played.rotateRefreshToken } : {}),
    expiresWithSession: async () => false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: !args['auto-login'] },
      revocation: { enabled: features.revocation },
      rpInitiatedLogout: { enabled: features.logout },
      pushedAuthorizationRequests: { enabled: features.par },
      dPoP: {
        enabled: features.dpop,
        nonceSecret: randomBytes(32),
        requireNonce: () => features.dpopNonce,
      },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!args.resource.includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'read write',
            audience: resource,
            accessTokenTTL: resourceTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
        useGrantedResource: async () => false,
      },
    },
    ttl: {
      IdToken: idTokenTtl,
      // An API's tokens live as its resource server says; the session's own, as ID tokens.
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? idTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>${out.error}</h1><p>${out.error_description ?? ''}</p>`;
    },
  });
  const routes = { ...Object.fromEntries(Object.entries({
    authorization: '/auth', token: '/token', revocation: '/token/revocation', end_session: '/session/end',
    pushed_authorization_request: '/request', userinfo: '/me', jwks: '/jwks',
  })), ...played.routes };
  const state = { port, clientId, stats };

  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params.grant_type;
    if (type in stats) stats[type] += 1;
  });
  provider.on('grant.error', (ctx, error) => {
    // A request for a DPoP nonce (RFC 9449 §8) is a step of the protocol, not a refusal.
    if (error?.error === 'use_dpop_nonce') return;
    if (ctx.oidc?.params?.grant_type === 'refresh_token') stats.refresh_errors += 1;
  });

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/_gatehouse/stats') {
      ctx.body = stats;
      return;
    }
    if (ctx.method === 'GET' && ctx.path === SIGNED_OUT_PATH) {
      ctx.type = 'html';
      ctx.body = '<!doctype html><title>Signed out</title><p>You are signed out.</p>';
      return;
    }
    if (ctx.method === 'GET' && ctx.path === routes.authorization) rememberRequest(ctx.query);
    if (ctx.method === 'GET' && ctx.path === routes.end_session) stats.logouts += 1;
    if (played.before?.(ctx, ctx.req.body ? Object.fromEntries(new URLSearchParams(ctx.req.body)) : undefined, routes, state)) return;
    if (args['auto-login'] && ctx.path.startsWith('/interaction/')) {
      await autoLogin(provider, ctx, args.account, args.deny);
      return;
    }
    await next();
    if (ctx.method === 'GET' && ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
      const doc = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : { ...ctx.body };
      onDomain(doc, ctx.req.mountedAt);
      played.discovery?.(doc, ctx.req.mountedAt);
      ctx.body = doc;
    }
    if (ctx.method === 'POST' && ctx.path === routes.revocation) {
      if (ctx.status === 200) stats.revocations += 1;
      const hint = ctx.oidc?.params?.token_type_hint;
      if (hint === 'refresh_token') stats.refresh_token_revocations_asked += 1;
      if (hint === 'access_token') stats.access_token_revocations_asked += 1;
    }
    // A pushed authorization request (RFC 9126) carries its parameters in the body (the raw
    // body: the parsed parameters have already lost offline_access).
    if (ctx.method === 'POST' && ctx.path === routes.pushed_authorization_request && ctx.status === 201) {
      stats.pushed_requests += 1;
      rememberRequest(ctx.oidc?.body ?? {});
    }
    if (ctx.method === 'POST' && ctx.path === routes.token && ctx.status === 200 && ctx.body?.refresh_token) {
      const refreshing = ctx.oidc?.params?.grant_type === 'refresh_token';
      if (refreshing && played.refreshResponse === 'omit') delete ctx.body.refresh_token;
      else if (played.refreshResponse === 'new') ctx.body.refresh_token += `~${++issuedRefreshTokens}`;
    }
    // RFC 9207's iss in the authorization response, only from a provider that sends it.
    const location = ctx.response.get('location');
    if (played.sendsIss === false && location?.includes('iss=')) {
      const url = new URL(location, origin);
      url.searchParams.delete('iss');
      ctx.response.set('location', url.href);
    }
    played.after?.(ctx, routes);
  });

  // The endpoints the profile puts on another host: named there in discovery, and answered
  // there without the issuer's path.
  function onDomain(doc, mountedAt) {
    if (!played.domain) return;
    for (const route of played.domainRoutes) {
      const field = { authorization: 'authorization_endpoint', token: 'token_endpoint', revocation: 'revocation_endpoint', userinfo: 'userinfo_endpoint' }[route];
      if (!doc[field]) continue;
      const url = new URL(doc[field]);
      url.hostname = played.domain;
      if (mountedAt && url.pathname.startsWith(mountedAt)) url.pathname = url.pathname.slice(mountedAt.length);
      doc[field] = url.href;
    }
  }

  const callback = provider.callback();
  server.on('request', (req, res) => {
    // The provider answers under its issuer's path (and the profile's other mounts).
    const mount = mounts.find((m) => req.url === m || req.url.startsWith(`${m}/`) || req.url.startsWith(`${m}?`));
    if (mount) {
      req.originalUrl = req.url;
      req.mountedAt = mount;
      req.url = req.url.slice(mount.length) || '/';
    }
    rewrite(req, () => callback(req, res));
  });
  const discovery = `${origin}${played.mounts?.[0] ?? mountPath}/.well-known/openid-configuration`;
  process.stdout.write(`${JSON.stringify({ issuer, clientId, discovery, tenant: args.profile === 'entra' ? TENANT : undefined })}\n`);
});

let issuedRefreshTokens = 0;

// Rewrites what a request names the profile's way (an API by its scopes or audience, a refresh
// token with the suffix a 'new' refresh response added) into what oidc-provider reads, then
// hands the request on. A form body is read here and left on req.body, where oidc-provider
// takes it from.
function rewrite(req, proceed) {
  const [path, query] = req.url.split('?');
  if (req.method === 'GET' && query !== undefined) {
    const params = new URLSearchParams(query);
    nameApis(played, params, args.resource);
    req.url = `${path}?${params}`;
    // oidc-provider finds its mount by looking for the URL it sees in the one requested.
    if (req.mountedAt) req.originalUrl = `${req.mountedAt}${req.url}`;
    return proceed();
  }
  const form = req.method === 'POST'
    && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  if (!form) return proceed();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const params = new URLSearchParams(Buffer.concat(chunks).toString());
    nameApis(played, params, args.resource);
    for (const name of ['refresh_token', 'token']) {
      const value = params.get(name);
      if (value && played.refreshResponse === 'new') params.set(name, value.replace(/~\d+$/, ''));
    }
    // A client secret may be posted or sent with Basic (RFC 6749 §2.3.1) where the provider
    // takes both; oidc-provider registers one way per client.
    if (played.client?.token_endpoint_auth_method === 'client_secret_basic' && params.has('client_secret')) {
      const id = encodeURIComponent(params.get('client_id') ?? '');
      const secret = encodeURIComponent(params.get('client_secret'));
      req.headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
      req.postedSecret = true;
      params.delete('client_secret');
      params.delete('client_id');
    }
    req.body = params.toString();
    req.headers['content-length'] = String(Buffer.byteLength(req.body));
    proceed();
  });
}

// Notes what an authorization request (in the URL, or pushed) asked for. A pushed request's
// `/auth` carries only its request_uri, so it counts nothing there.
function rememberRequest(params) {
  const scope = String(params.scope ?? '').split(' ');
  if (scope.includes('offline_access') && params.nonce) offlineNonces.add(String(params.nonce));
  const prompt = String(params.prompt ?? '').split(' ').filter(Boolean);
  if (prompt.includes('login')) stats.login_prompts += 1;
  for (const value of prompt) stats.prompts[value] = (stats.prompts[value] ?? 0) + 1;
}

// Finishes whatever the interaction asks (login, then consent) as the test account.
async function autoLogin(provider, ctx, account, deny) {
  const { prompt, params, session } = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (deny) {
    result = { error: 'access_denied', error_description: 'The person declined to sign in.' };
  } else if (prompt.name === 'login') {
    result = { login: { accountId: account } };
  } else {
    const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: prompt.name !== 'login',
  }));
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
