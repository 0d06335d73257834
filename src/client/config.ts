// /configurations (swagger tag "configure"): Harbor's system settings, for system admins.
import type { HarborClient } from './http.js';

/** One item as GET answers it; secrets are never among them. */
export interface ConfigItem { value: string | number | boolean; editable: boolean }

export async function getConfigurations(c: HarborClient): Promise<Record<string, ConfigItem>> {
  return (await c.request<Record<string, ConfigItem>>('GET', '/configurations')).data;
}

/** Sets a subset of the items (Harbor's PUT takes a partial map). */
export async function putConfigurations(c: HarborClient, values: Record<string, unknown>): Promise<void> {
  await c.request('PUT', '/configurations', { body: values });
}
