// A real OpenID Connect provider (panva/oidc-provider) for Nära's single sign-on tests.
//
// Not for production: it signs in whoever types an account id into its development login
// form (devInteractions; the password is ignored) and gives consent automatically.
//
// Configuration (environment variables, or --name=value arguments with the same names
// lower-cased without the prefix, e.g. --port=0 --client-id=nara):
//   OIDC_TEST_PORT            port on 127.0.0.1; 0 (default) picks a free one
//   OIDC_TEST_CLIENT_ID       the one confidential client            (default "nara-test")
//   OIDC_TEST_CLIENT_SECRET                                          (default "nara-test-secret")
//   OIDC_TEST_REDIRECT_URI    exactly as the client sends it (default http://testserver/staff/sso/callback/)
//   OIDC_TEST_ACCOUNTS        JSON: [{"sub": "...", "given_name": ..., "nara_roles": [...]}, ...]
//   OIDC_TEST_ACCOUNTS_FILE   a file with the same JSON, re-read at every look-up, so a test can
//                             change an account's claims between two sign-ins
//
// When it listens it prints one line: "ready <issuer>", e.g. "ready http://127.0.0.1:41234".
// The issuer is http://127.0.0.1:<port>; discovery at <issuer>/.well-known/openid-configuration.
// Claims: "profile" releases given_name, family_name, name and nara_roles; "email" releases
// email and email_verified; the custom scope "nara" releases nara_roles alone.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

function option(name, fallback) {
  const flag = `--${name.toLowerCase().replace(/^oidc_test_/, '').replaceAll('_', '-')}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(flag));
  if (arg !== undefined) return arg.slice(flag.length);
  return process.env[name] ?? fallback;
}

const port = Number(option('OIDC_TEST_PORT', '0'));
const clientId = option('OIDC_TEST_CLIENT_ID', 'nara-test');
const clientSecret = option('OIDC_TEST_CLIENT_SECRET', 'nara-test-secret');
const redirectUri = option('OIDC_TEST_REDIRECT_URI', 'http://testserver/staff/sso/callback/');
const accountsJson = option('OIDC_TEST_ACCOUNTS', '[]');
const accountsFile = option('OIDC_TEST_ACCOUNTS_FILE', '');

function accounts() {
  const list = JSON.parse(accountsFile ? readFileSync(accountsFile, 'utf8') : accountsJson);
  return new Map(list.map((account) => [String(account.sub), account]));
}
accounts(); // fail at start, not at the first sign-in, if the JSON is broken

async function findAccount(_ctx, id) {
  const account = accounts().get(String(id));
  if (!account) return undefined;
  return {
    accountId: String(id),
    // oidc-provider filters these by the granted scopes and the `claims` mapping below.
    async claims() {
      const { given_name: given = '', family_name: family = '' } = account;
      return {
        name: `${given} ${family}`.trim() || undefined,
        email_verified: account.email ? true : undefined,
        ...account,
        sub: String(id),
      };
    },
  };
}

// A fresh RS256 signing key at every start; clients fetch it from the JWKS endpoint.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

// Listen first, so that port 0 works and the issuer names the real port.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      // mozilla-django-oidc posts client_id and client_secret in the form body unless
      // OIDC_TOKEN_USE_BASIC_AUTH is set; accept only that.
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'name', 'nara_roles'],
    nara: ['nara_roles'],
  },
  scopes: ['openid', 'email', 'profile', 'nara'],
  // Even a confidential client must use PKCE here, so the test shows Nära sends it.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
  },
  // Consent is automatic: every scope the client asks for is granted.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    const grant = (grantId && (await oidc.provider.Grant.find(grantId)))
      || new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
    if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

provider.on('server_error', (_ctx, error) => console.error('server_error', error));

server.on('request', provider.callback());

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

console.log(`ready ${issuer}`);
