// User groups (Harbor's user_group) and which users are in them.

/** Harbor's group types: 1 LDAP, 2 HTTP (auth proxy), 3 OIDC. */
export type GroupType = 1 | 2 | 3;

export interface UserGroup {
  id: number;
  name: string;
  type: GroupType;
  /** The group's DN for an LDAP group (lower-cased, as Harbor keeps it); '' otherwise. */
  ldapDn: string;
}

export type NewUserGroup = Omit<UserGroup, 'id'>;

/**
 * Groups are unique by (type, name), as Harbor's. A user's groups are what the identity provider
 * said at the user's last sign-in (LDAP, OIDC): `setUserGroups` replaces them.
 */
export interface UserGroupStore {
  /** CONFLICT when a group of that type and name exists. */
  createGroup(g: NewUserGroup): Promise<UserGroup>;
  /** The group of that type and name (LDAP: the DN decides, see onboardGroup), created when missing; safe against a concurrent onboarding. */
  onboardGroup(g: NewUserGroup): Promise<UserGroup>;
  getGroup(id: number): Promise<UserGroup | null>;
  /** Every group, by id (the services filter and page: a group list is small). */
  listGroups(): Promise<UserGroup[]>;
  /** CONFLICT when the new name is taken within the type; false when there is no such group. */
  renameGroup(id: number, name: string): Promise<boolean>;
  /** Deletes the group with its project memberships and user links. */
  deleteGroup(id: number): Promise<boolean>;
  setUserGroups(userId: number, groupIds: number[]): Promise<void>;
  listUserGroups(userId: number): Promise<UserGroup[]>;
}
