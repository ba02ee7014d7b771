import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (#/cases/…): the app is one index.html, so S3 and CloudFront need no rewrite rules
 * and the Cognito callback (?code=…) never collides with a route.
 */
export function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/';
}

export function useHashPath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

export function navigate(path: string): void {
  location.hash = `#${path}`;
}

/** Matches /cases/:id against /cases/123: the parameters, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const [pathname] = path.split('?');
  const s = (pathname ?? '').split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
}

/** The query part of a hash route (#/search?need=ASD). */
export function routeQuery(path: string): URLSearchParams {
  return new URLSearchParams(path.split('?')[1] ?? '');
}
