/** Names for object ids, from the Graph-shaped API (whatever the user may list; else ids stay ids). */
import { api } from './api';

export interface DirectoryEntry { id: string; name: string; kind: 'User' | 'Group' | 'ServicePrincipal' }

export async function loadDirectory(): Promise<DirectoryEntry[]> {
  const out: DirectoryEntry[] = [];
  const get = async (path: string, kind: DirectoryEntry['kind'], name: (x: any) => string) => {
    try {
      const r = await api<{ value: any[] }>('GET', path);
      for (const x of r.value) out.push({ id: x.id, name: name(x), kind });
    } catch {
      /* not allowed to list: fine */
    }
  };
  await Promise.all([
    get('/v1.0/users', 'User', (u) => `${u.displayName} <${u.userPrincipalName}>`),
    get('/v1.0/groups', 'Group', (g) => g.displayName),
    get('/v1.0/servicePrincipals', 'ServicePrincipal', (s) => s.displayName),
  ]);
  return out;
}

export function nameOf(dir: DirectoryEntry[], id: unknown): string {
  const e = dir.find((d) => d.id.toLowerCase() === String(id).toLowerCase());
  return e ? e.name : String(id ?? '');
}
