/** The Query API's `Prefer` header options (RFC 7240; several comma-separated). */
export interface PreferOptions {
  waitSeconds?: number;
  includeStatistics: boolean;
  includeRender: boolean;
  includeDataSources: boolean;
  includePermissions: boolean;
}

export function parsePrefer(header: string | string[] | undefined): PreferOptions {
  const out: PreferOptions = { includeStatistics: false, includeRender: false, includeDataSources: false, includePermissions: false };
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(/[,;]/)) {
    const [rawKey, rawValue = ''] = part.split('=');
    const key = rawKey!.trim().toLowerCase();
    const value = rawValue.trim().replace(/^"|"$/g, '').toLowerCase();
    if (key === 'wait') {
      const n = Number(value);
      if (Number.isFinite(n) && n > 0) out.waitSeconds = n;
    } else if (key === 'include-statistics') out.includeStatistics = value === 'true';
    else if (key === 'include-render') out.includeRender = value === 'true';
    else if (key === 'include-datasources') out.includeDataSources = value === 'true';
    else if (key === 'include-permissions') out.includePermissions = value === 'true';
  }
  return out;
}
