// User groups as Harbor's usergroup API manages them (src/server/v2.0/handler/usergroup.go,
// src/controller/usergroup, src/pkg/usergroup): system admins create, list, rename and delete them;
// any signed-in user searches them by name. An LDAP group must exist in the directory (its DN, kept
// lower-cased) before it is created; a group given as a project member is found, or onboarded the
// way the auth mode onboards groups (controller/member Create).
import { HarborError } from '../core/errors.js';
import type { GroupType, MetaStores, UserGroup } from '../storage/meta/index.js';
import type { AccessControl, Principal } from './rbac.js';

/** Where LDAP groups are looked up (services/ldap.ts in ldap_auth mode); null: no such group. */
export interface GroupDirectory {
  findGroup(dn: string): Promise<{ name: string; dn: string } | null>;
}

export function isGroupType(v: unknown): v is GroupType {
  return v === 1 || v === 2 || v === 3;
}

/** Harbor keeps an LDAP group's DN trimmed and lower-cased (utils.TrimLower). */
export function normalizeDn(dn: string): string {
  return dn.trim().toLowerCase();
}

/** A project member's member_group as the request gives it. */
export interface MemberGroupRef { id?: number; groupName?: string; groupType?: number; ldapGroupDn?: string }

const MAX_NAME = 255;

export class UserGroupService {
  constructor(private readonly stores: Pick<MetaStores, 'groups'>, private readonly access: AccessControl,
    private readonly settings: { readonly authMode: string }, private readonly directory: () => GroupDirectory | null = () => null) {}

  private async require(actor: Principal, action: 'create' | 'read' | 'update' | 'delete' | 'list'): Promise<void> {
    if (await this.access.canSystem(actor, 'user-group', action)) return;
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', `${action} on user groups is not allowed`);
  }

  /** GET /usergroups: in ldap_auth mode LDAP groups only (Harbor's); group_name matches a part, ldap_group_dn exactly. */
  async list(actor: Principal, q: { groupName?: string; ldapDn?: string }): Promise<UserGroup[]> {
    await this.require(actor, 'list');
    const ldapMode = this.settings.authMode === 'ldap_auth';
    const dn = q.ldapDn ? normalizeDn(q.ldapDn) : '';
    return (await this.stores.groups.listGroups()).filter((g) => (!ldapMode || g.type === 1)
      && (!q.groupName || g.name.includes(q.groupName)) && (!ldapMode || !dn || g.ldapDn === dn));
  }

  /** GET /usergroups/search: any signed-in user, by a part of the name. */
  async search(actor: Principal, groupName: string): Promise<UserGroup[]> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (!groupName) throw new HarborError('BAD_REQUEST', 'need to provide groupname to search user group');
    return (await this.stores.groups.listGroups()).filter((g) => g.name.includes(groupName));
  }

  async get(actor: Principal, id: number): Promise<UserGroup> {
    await this.require(actor, 'read');
    return this.find(id);
  }

  private async find(id: number): Promise<UserGroup> {
    const g = await this.stores.groups.getGroup(id);
    if (!g) throw new HarborError('NOT_FOUND', `the user group with id ${id} is not found`);
    return g;
  }

  async create(actor: Principal, req: { groupName?: string; groupType?: unknown; ldapGroupDn?: string }): Promise<UserGroup> {
    await this.require(actor, 'create');
    const name = checkName(req.groupName);
    if (!isGroupType(req.groupType)) throw new HarborError('BAD_REQUEST', 'group_type must be 1 (LDAP), 2 (HTTP) or 3 (OIDC)');
    let ldapDn = '';
    if (req.groupType === 1) ldapDn = (await this.lookupLdap(req.ldapGroupDn ?? '')).dn;
    return this.stores.groups.createGroup({ name, type: req.groupType, ldapDn });
  }

  async rename(actor: Principal, id: number, groupName: string | undefined): Promise<void> {
    await this.require(actor, 'update');
    const name = checkName(groupName);
    if (!(await this.stores.groups.renameGroup(id, name))) throw new HarborError('NOT_FOUND', `the user group with id ${id} is not found`);
  }

  async delete(actor: Principal, id: number): Promise<void> {
    await this.require(actor, 'delete');
    if (!(await this.stores.groups.deleteGroup(id))) throw new HarborError('NOT_FOUND', `the user group with id ${id} is not found`);
  }

  /** An LDAP group by DN, from the directory; BAD_REQUEST when there is none or no directory (not ldap_auth). */
  private async lookupLdap(rawDn: string): Promise<{ name: string; dn: string }> {
    const dn = normalizeDn(rawDn);
    if (!dn) throw new HarborError('BAD_REQUEST', 'an LDAP group needs its ldap_group_dn');
    const dir = this.directory();
    const found = dir ? await dir.findGroup(dn) : null;
    if (!found) throw new HarborError('BAD_REQUEST', `LDAP Group DN is not found: DN:${dn.slice(0, 300)}`);
    return { name: found.name, dn: normalizeDn(found.dn) };
  }

  /**
   * The group a project member request names (Harbor's member controller): by id; by LDAP DN (known,
   * else looked up in the directory and onboarded); or by name and type (known). Called after the
   * member permission is checked.
   */
  async resolveMemberGroup(ref: MemberGroupRef): Promise<UserGroup> {
    if (ref.id !== undefined && ref.id > 0) {
      const g = await this.stores.groups.getGroup(ref.id);
      if (!g) throw new HarborError('BAD_REQUEST', `Group ${ref.id} not found`);
      return g;
    }
    const all = await this.stores.groups.listGroups();
    if (ref.ldapGroupDn) {
      const dn = normalizeDn(ref.ldapGroupDn);
      const known = all.find((g) => g.type === 1 && g.ldapDn === dn);
      if (known) return known;
      const found = await this.lookupLdap(dn);
      return this.stores.groups.onboardGroup({ name: ref.groupName || found.name, type: 1, ldapDn: found.dn });
    }
    if (ref.groupName) {
      const known = all.find((g) => g.type === ref.groupType && g.name === ref.groupName);
      if (known) return known;
      throw new HarborError('BAD_REQUEST', `no user group ${ref.groupName.slice(0, 255)} of type ${String(ref.groupType ?? '?')}: create it first (POST /usergroups)`);
    }
    throw new HarborError('BAD_REQUEST', 'member_group needs an id, an ldap_group_dn or a group_name');
  }
}

function checkName(v: string | undefined): string {
  if (!v || v.length > MAX_NAME) throw new HarborError('BAD_REQUEST', `group_name must be 1 to ${MAX_NAME} characters`);
  return v;
}
