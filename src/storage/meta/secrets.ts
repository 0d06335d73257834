// Secrets every replica must share: the key that signs registry tokens and the key that seals
// stored credentials. They live in the database, so replicas given only the same database agree on
// them; the first replica to start creates each one.

export interface SecretStore {
  /**
   * The secret `name`; when none is stored yet, `value` is stored first. Atomic: of two callers
   * racing with different values, both get the one stored first.
   */
  getOrCreateSecret(name: string, value: string): Promise<string>;
  getSecret(name: string): Promise<string | null>;
}
