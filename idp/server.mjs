// Gatehouse's local identity provider: a real, certified OpenID provider (npm oidc-provider)
// on 127.0.0.1, set up to behave like Auth0 for a native public client.
//
//   node idp/server.mjs [--port 0] [--client-id gatehouse-local] [--auto-login]
//                       [--id-token-ttl 3600] [--account ada] [--deny]
//                       [--resource URI]... [--resource-token-ttl SECONDS] [--dpop]
//
// Prints one JSON line when ready: {"issuer": "...", "clientId": "..."}.
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
  },
});

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
};

function profile(accountId) {
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

const server = http.createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      application_type: 'native', // loopback redirect: any port (RFC 8252 §7.3)
      token_endpoint_auth_method: 'none', // a public client: no secret
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    jwks: { keys: [{ ...signingKey, kid: 'local-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'nickname', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false, // profile claims in the ID token, as Auth0 does
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => profile(id) }),
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && (code.scopes.has('offline_access') || offlineNonces.has(code.nonce)),
    expiresWithSession: async () => false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: !args['auto-login'] },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      dPoP: {
        enabled: args.dpop,
        nonceSecret: randomBytes(32),
        requireNonce: () => true,
      },
      resourceIndicators: {
        enabled: true,
        // A token request that names no resource gets a token for the userinfo endpoint.
        defaultResource: async () => undefined,
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

  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params.grant_type;
    if (type in stats) stats[type] += 1;
  });
  provider.on('grant.error', (ctx) => {
    if (ctx.oidc?.params?.grant_type === 'refresh_token') stats.refresh_errors += 1;
  });

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/_gatehouse/stats') {
      ctx.body = stats;
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/auth') rememberRequest(ctx.query);
    if (args['auto-login'] && ctx.path.startsWith('/interaction/')) {
      await autoLogin(provider, ctx, args.account, args.deny);
      return;
    }
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token/revocation') {
      if (ctx.status === 200) stats.revocations += 1;
      const hint = ctx.oidc?.params?.token_type_hint;
      if (hint === 'refresh_token') stats.refresh_token_revocations_asked += 1;
      if (hint === 'access_token') stats.access_token_revocations_asked += 1;
    }
    // A pushed authorization request (RFC 9126) carries its parameters in the body (the raw
    // body: the parsed parameters have already lost offline_access).
    if (ctx.method === 'POST' && ctx.path === '/request' && ctx.status === 201) {
      stats.pushed_requests += 1;
      rememberRequest(ctx.oidc?.body ?? {});
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, clientId })}\n`);
});

// Notes what an authorization request (in the URL, or pushed) asked for. A pushed request's
// `/auth` carries only its request_uri, so it counts nothing there.
function rememberRequest(params) {
  const scope = String(params.scope ?? '').split(' ');
  if (scope.includes('offline_access') && params.nonce) offlineNonces.add(String(params.nonce));
  if (String(params.prompt ?? '').split(' ').includes('login')) stats.login_prompts += 1;
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
