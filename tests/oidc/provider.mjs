// The OpenID provider the sign-in tests run on loopback: node's oidc-provider, configured
// from a JSON file the test fixture writes (tests/oidc/fixture.py):
//
//   node provider.mjs CONFIG.json
//
// CONFIG holds the port, the clients (Warden's redirect and sign-out addresses), the signing
// key (so a test can sign a token with the provider's own key but a wrong issuer, audience
// or nonce) and the accounts. An account with "mfa": true signs in with amr ["pwd", "mfa"]
// and acr "mfa", as a provider that asked for a second factor says; the others with
// amr ["pwd"] only. The sign-in page is this script's own plain form (login and password);
// consent is granted at once, as an organisation's provider does for its own applications.
// Prints "listening <issuer>" once it answers.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const plain = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: ${title}</title></head>
<body><main>${body}</main></body></html>`;

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [config.signing_key] },
  cookies: { keys: [config.cookie_key] },
  // Scope claims (e-mail, name) in the ID token itself, as Google and Entra ID send them.
  conformIdTokenClaims: false,
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub', 'acr', 'amr', 'auth_time', 'sid'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: {
    devInteractions: { enabled: false },
    // Plain pages of its own: the package's defaults load web fonts from the internet.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = plain('Sign out', `<h1>Sign out of the test provider?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = plain('Signed out', '<h1>Signed out of the test provider</h1>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = plain('Error', `<h1>Error</h1><pre>${escape(JSON.stringify(out))}</pre>`);
  },
  interactions: {
    url(ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: account.email_verified !== false,
          name: account.name,
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});


function page(uid, error) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Test provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label for="login">Provider login</label> <input id="login" name="login" autocomplete="off"></p>
<p><label for="password">Provider password</label> <input id="password" name="password" type="password"></p>
<p><button type="submit">Sign in at the provider</button></p>
</form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid));
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') || '';
  const account = accounts[login];
  if (!account || account.password !== form.get('password')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid, 'Wrong login or password.'));
    return;
  }
  const amr = account.mfa ? ['pwd', 'mfa'] : ['pwd'];
  await provider.interactionFinished(req, res, {
    login: { accountId: login, amr, acr: account.mfa ? 'mfa' : 'pwd' },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  callback(req, res);
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
