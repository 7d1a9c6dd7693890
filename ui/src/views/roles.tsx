/**
 * Roles: weight (Operator API GET_WEIGHTS), quota (GET_QUOTA) and what each role holds
 * (`/master/roles`), asked every few seconds while the page is open, beside what the live picture
 * says the role's tasks use.
 */
import { WaitingForMaster } from '../components/common.js';
import { getJson, operatorCall, usePolling } from '../live/api.js';
import { usageOf } from '../live/derived.js';
import { useCluster } from '../live/store.js';
import { formatAmount, resourceNames, type ResourceAmounts } from '../model/resources.js';

const ROLES_INTERVAL_MS = 5_000;

interface WeightsJson {
  get_weights?: { weight_infos?: Array<{ role: string; weight?: number }> };
}

interface QuotaJson {
  get_quota?: { status?: { configs?: Array<{ role: string; guarantees?: Record<string, { value: number }>; limits?: Record<string, { value: number }> }> } };
}

/** `/master/roles` as Mesos answers it: `resources` is what the role holds, allocated or offered, as `{cpus, mem, ...}`. */
interface RolesJson {
  roles?: Array<{
    name: string;
    weight?: number;
    frameworks?: string[];
    resources?: ResourceAmounts;
    reserved?: ResourceAmounts;
    quota?: { consumed?: ResourceAmounts };
  }>;
}

interface RolesData {
  weights: Map<string, number>;
  quotas: Map<string, { guarantees: ResourceAmounts; limits: ResourceAmounts }>;
  roles: RolesJson['roles'] | null;
  rolesError: string | null;
}

const unwrap = (values: Record<string, { value: number }> | undefined): ResourceAmounts =>
  Object.fromEntries(Object.entries(values ?? {}).map(([name, v]) => [name, v.value]));

async function loadRoles(signal: AbortSignal): Promise<RolesData> {
  const [weights, quota, roles] = await Promise.all([
    operatorCall<WeightsJson>({ type: 'GET_WEIGHTS' }, signal),
    operatorCall<QuotaJson>({ type: 'GET_QUOTA' }, signal),
    // The roles endpoint is optional here: weights and quota still show without it.
    getJson<RolesJson>('/master/roles', signal).then((value) => ({ value, error: null }), (error: Error) => ({ value: null, error: error.message })),
  ]);
  return {
    weights: new Map((weights.get_weights?.weight_infos ?? []).map((info) => [info.role, info.weight ?? 1])),
    quotas: new Map((quota.get_quota?.status?.configs ?? []).map((config) => [config.role, { guarantees: unwrap(config.guarantees), limits: unwrap(config.limits) }])),
    roles: roles.value?.roles ?? null,
    rolesError: roles.error,
  };
}

function amounts(values: ResourceAmounts | undefined): string {
  // Mesos writes ranges (ports) as text in these summaries; only the numbers are shown.
  const numbers = Object.fromEntries(Object.entries(values ?? {}).filter(([, value]) => typeof value === 'number' && value !== 0));
  return resourceNames(numbers).map((name) => `${name} ${formatAmount(name, numbers[name] as number)}`).join(', ');
}

export function RolesView() {
  const { state } = useCluster();
  const polled = usePolling(loadRoles, ROLES_INTERVAL_MS, 'roles');
  if (!state.subscribed) return <WaitingForMaster />;
  const usage = usageOf(state);
  const data = polled.data;
  const names = new Set<string>(['*']);
  for (const framework of state.frameworks.values()) if (!framework.removed) for (const role of framework.roles) names.add(role);
  for (const role of usage.usedByRole.keys()) names.add(role);
  for (const role of data?.weights.keys() ?? []) names.add(role);
  for (const role of data?.quotas.keys() ?? []) names.add(role);
  for (const role of data?.roles ?? []) names.add(role.name);
  const byName = new Map((data?.roles ?? []).map((role) => [role.name, role]));
  // Columns for fields some masters give and others do not (Mesos added them over versions).
  const showReserved = (data?.roles ?? []).some((role) => role.reserved !== undefined);
  const showConsumed = (data?.roles ?? []).some((role) => role.quota?.consumed !== undefined);
  return (
    <>
      <h1>Roles</h1>
      {polled.error ? <p className="error">{polled.error}</p> : null}
      {polled.loading ? <p className="muted">Asking the master for weights and quota…</p> : null}
      {data?.rolesError ? <p className="muted">/master/roles: {data.rolesError}</p> : null}
      <div className="panel">
        <table className="plain" data-testid="roles-table">
          <thead>
            <tr>
              <th>Role</th><th>Weight</th><th>Frameworks</th><th>Used by tasks</th><th title="/master/roles: resources">Allocated or offered</th>
              {showReserved ? <th>Reserved</th> : null}<th>Quota guarantees</th><th>Quota limits</th>{showConsumed ? <th>Quota consumed</th> : null}
            </tr>
          </thead>
          <tbody>
            {[...names].sort().map((name) => {
              const role = byName.get(name);
              const quota = data?.quotas.get(name);
              const frameworks = [...state.frameworks.values()].filter((f) => !f.removed && f.roles.includes(name)).length;
              return (
                <tr key={name} data-role={name}>
                  <td className="mono">{name}</td>
                  <td data-testid="role-weight">{data ? (data.weights.get(name) ?? role?.weight ?? 1) : ''}</td>
                  <td>{role?.frameworks?.length ?? frameworks}</td>
                  <td data-testid="role-used">{amounts(usage.usedByRole.get(name))}</td>
                  <td>{amounts(role?.resources)}</td>
                  {showReserved ? <td>{amounts(role?.reserved)}</td> : null}
                  <td>{amounts(quota?.guarantees)}</td>
                  <td>{amounts(quota?.limits)}</td>
                  {showConsumed ? <td>{amounts(role?.quota?.consumed)}</td> : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
