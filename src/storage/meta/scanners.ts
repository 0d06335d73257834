// Scanner registrations (Harbor's scanner_registration) and which one a project uses
// (Harbor's project metadata binding): the adapters of the Pluggable Scanner API v1.1.

export interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  /** The adapter's base URL. */
  url: string;
  /** '', 'Basic', 'Bearer' or 'X-ScannerAdapter-API-Key'. */
  auth: string;
  /** The credential sealed by the server's SecretBox; null when there is none. */
  accessCredentialEnc: string | null;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
  disabled: boolean;
  /** The system default; at most one registration is. */
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ScannerRegistrationInput = Omit<ScannerRegistration, 'isDefault' | 'createdAt' | 'updatedAt'>;

export interface ScannerStore {
  listRegistrations(): Promise<ScannerRegistration[]>;
  getRegistration(uuid: string): Promise<ScannerRegistration | null>;
  /** CONFLICT when the name or the URL is taken. */
  createRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration>;
  /** Replaces every field but uuid; null when there is no such registration; CONFLICT on a taken name or URL. */
  updateRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration | null>;
  /** Removes it and every project binding to it. */
  deleteRegistration(uuid: string): Promise<boolean>;
  /** Makes it the only default (null: none is); false when there is no such registration. One transaction. */
  setDefaultRegistration(uuid: string | null): Promise<boolean>;
  /** The registration a project chose, null when it chose none. */
  getProjectScanner(projectId: number): Promise<string | null>;
  setProjectScanner(projectId: number, uuid: string): Promise<void>;
}
