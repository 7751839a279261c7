// A real OpenID provider for the SSO tests: oidc-provider (the certified reference implementation)
// on loopback, with a tiny login page of its own and a control API for the tests (/test/*).
//
//   node server.mjs <port> <rp-base-url> [<rp-base-url> ...]
//
// prints "ready <issuer>" once listening. Accounts live in memory: the tests add them, disable them
// (findAccount then answers nothing, as a platform does for a disabled official), and can make the
// token endpoint hand out a tampered ID token.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

import Provider, { interactionPolicy } from 'oidc-provider';

const [port, ...rpBases] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const accounts = new Map(); // login -> { login, name, active, amr, acr }
let tamper = ''; // '', 'signature' or 'claims': how the next token responses' ID token is altered

const html = (body) => `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证</title></head><body>${body}</body></html>`;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// First-party client: no consent page (loadExistingGrant grants the scopes). A session whose account was
// disabled meanwhile needs a new login (prompt=none: login_required), as at the platform.
const { Check } = interactionPolicy;
const policy = interactionPolicy.base();
policy.remove('consent');
policy.get('login').checks.add(new Check('account_disabled', 'the account is disabled', 'login_required', (ctx) => (
  ctx.oidc.session.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT)));

const configuration = {
  clients: [{
    client_id: 'jiangmen-portal',
    client_secret: 'test-client-secret-0123456789abcdef',
    redirect_uris: rpBases.map((base) => `${base}/sso/oidc/callback/`),
    post_logout_redirect_uris: rpBases.map((base) => `${base}/accounts/login/`),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  pkce: { required: () => true }, // the portal must send a code challenge (S256)
  claims: { openid: ['sub', 'acr', 'amr'], profile: ['name', 'preferred_username'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // confirm at once (a real platform asks; the tests only need the session to end)
      logoutSource: async (ctx, form) => {
        ctx.body = html(`${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}<script>document.forms[0].submit()</script>`);
      },
    },
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  acrValues: ['1', '2'],
  async findAccount(ctx, id) {
    const account = accounts.get(id);
    if (!account || !account.active) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, preferred_username: account.login };
      },
    };
  },
  // first-party client: no consent page
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  ttl: { IdToken: 300, AccessToken: 300, Session: 3600, Interaction: 600, Grant: 3600 },
  cookies: { keys: ['test-cookie-key-0123456789'] },
};

const provider = new Provider(issuer, configuration);

function b64url(text) {
  return Buffer.from(text).toString('base64url');
}

provider.use(async (ctx, next) => {
  const { path } = ctx;
  if (path.startsWith('/test/')) {
    const body = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(data ? JSON.parse(data) : {}));
    });
    if (path === '/test/accounts' && ctx.method === 'POST') {
      accounts.set(body.login, { active: true, amr: ['pwd'], acr: '1', name: body.login, ...accounts.get(body.login), ...body });
    } else if (path === '/test/tamper' && ctx.method === 'POST') {
      tamper = body.mode || '';
    } else if (path === '/test/reset' && ctx.method === 'POST') {
      accounts.clear();
      tamper = '';
    }
    ctx.body = { ok: true };
    return;
  }
  const interaction = path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = html(`<h1>统一身份认证</h1><form method="post" action="/interaction/${esc(details.uid)}/login">
        <label>账号 <input name="login" autofocus></label> <button type="submit">登录</button></form>`);
      return;
    }
    const form = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(new URLSearchParams(data)));
    });
    const account = accounts.get(form.get('login'));
    if (!account || !account.active) {
      ctx.type = 'html';
      ctx.status = 401;
      ctx.body = html('<p>账号不存在或已停用</p>');
      return;
    }
    const url = await provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId: account.login, amr: account.amr, acr: account.acr, remember: true },
    }, { mergeWithLastSubmission: false });
    ctx.redirect(url);
    return;
  }
  await next();
  if (path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const [header, payload, signature] = ctx.body.id_token.split('.');
    if (tamper === 'signature') {
      const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
      ctx.body = { ...ctx.body, id_token: `${header}.${payload}.${flipped}` };
    } else if (tamper === 'claims') {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.sub = 'secadmin';
      ctx.body = { ...ctx.body, id_token: `${header}.${b64url(JSON.stringify(claims))}.${signature}` };
    }
  }
});

provider.on('server_error', (ctx, err) => { console.error('server_error', err); });

http.createServer(provider.callback()).listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer} ${randomUUID()}`);
});
