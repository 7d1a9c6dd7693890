/**
 * The version Meridian reports. Clients (pymesos, mesos-go) read `GET /version` before they
 * subscribe and compare it with the API level they speak; Meridian implements the Mesos 1.11
 * v1 API, so it answers as a 1.11.0 master would, and names itself in `meridian_version`.
 */
export const MESOS_VERSION = '1.11.0';
export const MERIDIAN_VERSION = '0.1.0';
const BUILD_TIME_SECONDS = 1_795_000_000;

export function versionJson(): Record<string, string | number> {
  return {
    version: MESOS_VERSION,
    build_date: new Date(BUILD_TIME_SECONDS * 1000).toISOString().replace('T', ' ').slice(0, 19),
    build_time: BUILD_TIME_SECONDS,
    build_user: 'meridian',
    meridian_version: MERIDIAN_VERSION,
  };
}
