/** Role names as Mesos validates them (docs/roles.md): `*`, or `/`-separated non-empty components. */
export function validateRole(role: string): string | null {
  if (role === '*') return null;
  if (role.length === 0) return 'role name must not be empty';
  if (role.startsWith('/') || role.endsWith('/')) return `role '${role}' must not start or end with '/'`;
  for (const component of role.split('/')) {
    if (component.length === 0) return `role '${role}' must not contain '//'`;
    if (component === '.' || component === '..') return `role '${role}' must not have a '.' or '..' component`;
    if (component.startsWith('-')) return `role '${role}' must not have a component starting with '-'`;
    if (component === '*') return `role '${role}' must not have a '*' component`;
    if (/[\s\x00-\x1f\x7f]/.test(component)) return `role '${role}' must not contain whitespace or control characters`;
  }
  return null;
}

/** True when `role` is `ancestor` or lies below it in the role tree. */
export function isSameOrSubrole(role: string, ancestor: string): boolean {
  return role === ancestor || role.startsWith(`${ancestor}/`);
}
