import { get, getAll } from './api.ts';
import type { Framework, LocalAuthority } from './types.ts';

/** Reference data read once per visit: it changes when the national team publishes, not by the minute. */
let las: Promise<Map<string, LocalAuthority>> | undefined;
let framework: Promise<Framework> | undefined;

export function localAuthorities(): Promise<Map<string, LocalAuthority>> {
  las ??= getAll('/las').then((items) => new Map(items.map((la) => [la.laCode, la])));
  las.catch(() => (las = undefined));
  return las;
}

export function bands(): Promise<Framework> {
  framework ??= get('/bands');
  framework.catch(() => (framework = undefined));
  return framework;
}

export const partnership = (id: string) => get('/partnerships/{id}', { path: { id } });

/** An LA's name from its GSS code, or the code while names load. */
export function laName(map: Map<string, LocalAuthority> | undefined, code: string): string {
  return map?.get(code)?.name ?? code;
}
