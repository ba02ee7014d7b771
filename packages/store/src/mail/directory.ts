import { CognitoIdentityProviderClient, ListUsersInGroupCommand } from '@aws-sdk/client-cognito-identity-provider';

/** A person who can be emailed: their token's subject and their address. */
export interface DirectoryUser {
  sub: string;
  email: string;
}

/** The users of an organisation in a role: who receives its emails. */
export interface Directory {
  usersOf(role: string, org: string): Promise<DirectoryUser[]>;
}

/** A fixed list: locally, the demo identities; in tests, whoever the test names. */
export function staticDirectory(users: (DirectoryUser & { role: string; org: string })[]): Directory {
  return {
    usersOf: async (role, org) =>
      users.filter((u) => u.role === role && u.org === org).map(({ sub, email }) => ({ sub, email })),
  };
}

/**
 * The organisation's users in Cognito: the role's group, then those whose custom:org is the
 * organisation (ListUsers cannot filter on custom attributes). Kept for five minutes: a batch of
 * changes for one organisation asks once.
 */
export function cognitoDirectory(userPoolId: string, client = new CognitoIdentityProviderClient({})): Directory {
  const cache = new Map<string, { at: number; users: (DirectoryUser & { org: string })[] }>();
  async function group(role: string) {
    const hit = cache.get(role);
    if (hit && Date.now() - hit.at < 300_000) return hit.users;
    const users: (DirectoryUser & { org: string })[] = [];
    let next: string | undefined;
    do {
      const res = await client.send(
        new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: role, Limit: 60, NextToken: next }),
      );
      for (const u of res.Users ?? []) {
        if (u.Enabled === false) continue;
        const attr = (n: string) => u.Attributes?.find((a) => a.Name === n)?.Value;
        const sub = attr('sub');
        const email = attr('email');
        const org = attr('custom:org');
        if (sub && email && org && attr('email_verified') !== 'false') users.push({ sub, email, org });
      }
      next = res.NextToken;
    } while (next);
    cache.set(role, { at: Date.now(), users });
    return users;
  }
  return {
    usersOf: async (role, org) =>
      (await group(role)).filter((u) => u.org === org).map(({ sub, email }) => ({ sub, email })),
  };
}
