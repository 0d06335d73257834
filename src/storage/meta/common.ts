// Small types every domain store shares.

export interface Page { n?: number; last?: string }

/** A write the project's storage quota refused: its limit, its usage and the bytes the write would add. */
export interface QuotaShortfall { projectId: number; limit: number; used: number; requested: number }
