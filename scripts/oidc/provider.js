// A real OpenID provider (panva's certified oidc-provider) on loopback, for the single sign-on tests and for
// trying single sign-on locally (docs/SSO.md).
//
//   node provider.js config.json
//
// config.json: {"port": 0, "host": "127.0.0.1", "issuer_path": "",
//               "clients": [{"client_id": "...", "client_secret": "...", "redirect_uris": ["..."]}],
//               "accounts": {"<subject>": {"email": "...", "email_verified": true, "given_name": "...", ...}}}
// Prints "READY <issuer>" once it listens. Its sign-in page asks only which account to be (no password):
// the account whose subject or email is typed, prefilled from login_hint. Consent is implied (a company's
// own provider signing its people in to an application it set up).
import http from 'node:http';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};
const host = config.host || '127.0.0.1';

function accountFor(login) {
  if (accounts[login]) return login;
  return Object.keys(accounts).find((sub) => (accounts[sub].email || '').toLowerCase() === login.toLowerCase());
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

const server = http.createServer();
server.listen(config.port || 0, host, () => {
  const { port } = server.address();
  const issuer = `http://${host}:${port}${config.issuer_path || ''}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'department', 'job_title', 'manager_email', 'employee_number'],
    },
    cookies: { keys: ['local-test-provider-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    ttl: config.ttl || undefined,
    async findAccount(ctx, id) {
      if (!accounts[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name', 'department', 'job_title',
        'manager_email', 'employee_number']);
      await grant.save();
      return grant;
    },
  });
  provider.proxy = true;
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)/);
    if (!match) return handle(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'POST') {
        const form = await readBody(req);
        const accountId = accountFor(form.get('login') || '');
        if (!accountId) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(page(match[1], form.get('login') || '', 'No such account.'));
        }
        return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(match[1], details.params.login_hint || '', ''));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(String(error));
    }
  });
  process.stdout.write(`READY ${issuer}\n`);
});

function page(uid, login, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local identity provider</title></head>
<body><main><h1>Local identity provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Account (email or subject)</label> <input id="login" name="login" value="${escape(login)}">
<button type="submit">Sign in</button></form></main></body></html>`;
}
