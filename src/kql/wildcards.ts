/** KQL name wildcards (`App*`, `*_CL`, `Col*Name`): `*` matches any run of characters, nothing else is special. */
export function wildcardMatcher(pattern: string): (name: string) => boolean {
  const re = new RegExp('^' + pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return (name) => re.test(name);
}
