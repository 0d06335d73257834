// System configuration (Harbor's /configurations): named values, stored as the services give them.

/**
 * The stored configuration items, each a JSON text under its Harbor name. The service validates
 * and encrypts (a secret arrives here already sealed); an item never set is absent.
 */
export interface ConfigStore {
  getConfig(): Promise<Record<string, string>>;
  /** Sets every given item in one transaction. */
  putConfig(items: Record<string, string>): Promise<void>;
}
