// Blob upload sessions (the bytes are in the blob store's upload area).

export interface UploadSession { id: string; repository: string; createdAt: number; updatedAt: number }

/** Upload sessions, by id; times are Unix milliseconds. */
export interface UploadStore {
  createUpload(s: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | null>;
  touchUpload(id: string, at: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploadsBefore(updatedBefore: number): Promise<UploadSession[]>;
}
