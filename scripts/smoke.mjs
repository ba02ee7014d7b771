#!/usr/bin/env node
// Smoke test for a deployed stack: public reads, the authorizer, and one authenticated route for
// the role in the token. Reads only: nothing is created or changed, so it is safe against prod.
//
//   API_URL=https://abc123.execute-api.eu-west-2.amazonaws.com SMOKE_TOKEN=<access token> npm run smoke
//
// SMOKE_TOKEN is a Cognito *access* token (not the ID token) of a user in one role group with
// custom:org set; README "Deploying to AWS" shows how to get one. Without it only the public and
// unauthenticated checks run. Node 20+, no dependencies.

const base = (process.env.API_URL ?? '').replace(/\/+$/, '');
const token = process.env.SMOKE_TOKEN?.trim() || undefined;
if (!/^https?:\/\//.test(base)) {
  console.error(
    'Set API_URL to the stack output ApiUrl, e.g. API_URL=https://abc123.execute-api.eu-west-2.amazonaws.com',
  );
  process.exit(2);
}

/** The claims of a JWT, unverified: only to pick the checks that fit the token's role. */
function claimsOf(jwt) {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    console.error('SMOKE_TOKEN is not a JWT.');
    process.exit(2);
  }
}

const ROLES = ['national', 'partnership', 'la', 'provider', 'trust', 'adjudicator'];
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** Per role: a route it may call that reads only, and a route it may not call (refused at API Gateway). */
const AUTHENTICATED = {
  national: {
    allowed: ['GET', '/places/search?need=ASD&age=9&limit=1', 200],
    refused: ['PUT', `/cases/${NO_SUCH_ID}/preferences`],
  },
  partnership: { allowed: ['GET', '/places/search?need=ASD&age=9&limit=1', 200], refused: ['PUT', '/bands/v999'] },
  la: { allowed: ['GET', `/cases/${NO_SUCH_ID}`, 404], refused: ['PUT', '/bands/v999'] },
  provider: { allowed: ['GET', '/audit?entity=listing:000000:none', 404], refused: ['POST', '/cases'] },
  trust: {
    allowed: ['POST', `/directions/${NO_SUCH_ID}/appeal`, 404, { grounds: 'smoke test: no such direction' }],
    refused: ['POST', '/cases'],
  },
  adjudicator: {
    allowed: ['POST', `/directions/${NO_SUCH_ID}/determination`, 404, { outcome: 'upheld' }],
    refused: ['POST', '/cases'],
  },
};

let failures = 0;
async function check(label, method, path, { expect, auth, body, test } = {}) {
  const started = performance.now();
  let status;
  let text = '';
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    status = res.status;
    text = await res.text();
  } catch (error) {
    status = `error: ${error.message}`;
  }
  const ms = Math.round(performance.now() - started);
  let problem = status === expect ? undefined : `expected ${expect}`;
  if (problem === undefined && test) {
    try {
      problem = test(JSON.parse(text));
    } catch {
      problem = 'the body is not JSON';
    }
  }
  if (problem) failures++;
  console.log(
    `${problem ? 'FAIL' : 'ok  '} ${String(status).padEnd(4)} ${String(ms).padStart(5)} ms  ${label}: ${method} ${path}${problem ? `  <- ${problem}; ${text.slice(0, 200)}` : ''}`,
  );
}

console.log(`Smoke test of ${base}\n`);
await check('liveness, store reachable', 'GET', '/health', {
  expect: 200,
  test: (b) => (b.store === 'reachable' ? undefined : `store is ${b.store}`),
});
await check('framework in force', 'GET', '/bands', {
  expect: 200,
  test: (b) => (Array.isArray(b.bands) && b.bands.length > 0 ? undefined : 'no bands: has reference data been loaded?'),
});
await check('the OpenAPI document, without the local token route', 'GET', '/openapi.json', {
  expect: 200,
  test: (b) => (b.paths['/dev/token'] ? '/dev/token is deployed' : undefined),
});
await check('the local-only token route is absent', 'POST', '/dev/token', {
  expect: 404,
  body: { role: 'national', org: 'x' },
});
await check('no token on a protected route: refused by the authorizer', 'GET', `/cases/${NO_SUCH_ID}`, { expect: 401 });
await check('a forged token: refused by the authorizer', 'GET', `/cases/${NO_SUCH_ID}`, {
  expect: 401,
  auth: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiY29nbml0bzpncm91cHMiOlsibmF0aW9uYWwiXSwib3JnIjoieCJ9.',
});

if (token === undefined) {
  console.log('\nSMOKE_TOKEN not set: authenticated checks skipped.');
} else {
  const claims = claimsOf(token);
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [];
  const role = groups.find((g) => ROLES.includes(g));
  if (claims.token_use !== 'access')
    console.log(`\nNote: token_use is ${claims.token_use}; API Gateway needs the access token.`);
  if (role === undefined || claims.org === undefined) {
    console.log(
      `\nFAIL the token has role ${role} and org ${claims.org}: is the pre token generation trigger deployed, and the user in one role group with custom:org?`,
    );
    failures++;
  } else {
    console.log(`\nAs ${role} of ${claims.org} (scope ${claims.scope}):`);
    const { allowed, refused } = AUTHENTICATED[role];
    const [method, path, expect, body] = allowed;
    await check(`a ${role} route reaches the Lambda with the claims`, method, path, {
      expect,
      auth: token,
      body,
      test: (b) => (expect >= 400 && !b.error?.code ? 'not an API error body (did the authorizer answer?)' : undefined),
    });
    await check(`a route without the ${role} scope: refused by the authorizer`, refused[0], refused[1], {
      expect: 403,
      auth: token,
    });
  }
}

console.log(failures === 0 ? '\nAll checks passed.' : `\n${failures} check(s) failed.`);
process.exit(failures === 0 ? 0 : 1);
