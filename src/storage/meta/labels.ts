// Harbor's labels (harbor_label, label_reference): global labels (scope `g`, project 0) that a
// system admin manages, project labels (scope `p`) a project's admins and maintainers manage, and
// which artifacts carry which labels.

export type LabelScope = 'g' | 'p';

export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: LabelScope;
  /** 0 for a global label. */
  projectId: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewLabel { name: string; description: string; color: string; scope: LabelScope; projectId: number }

export interface LabelChange { name: string; description: string; color: string }

/** Labels and their references to artifacts (manifest ids); a project's labels go with the project, references with the artifact. */
export interface LabelStore {
  /** null when the scope (the project, for `p`) already has a label of that name. */
  createLabel(l: NewLabel): Promise<Label | null>;
  getLabel(id: number): Promise<Label | null>;
  /** The global labels, or one project's; by id. */
  listLabels(scope: LabelScope, projectId?: number): Promise<Label[]>;
  /** 'conflict' when the new name is taken in the label's scope; null when there is no such label. */
  updateLabel(id: number, change: LabelChange): Promise<Label | 'conflict' | null>;
  /** Removes the label from every artifact and deletes it. */
  deleteLabel(id: number): Promise<boolean>;
  /** 'exists' when the artifact already carries it, 'unknown' when the label or the artifact is not there. */
  addLabelToArtifact(labelId: number, artifactId: number): Promise<'ok' | 'exists' | 'unknown'>;
  removeLabelFromArtifact(labelId: number, artifactId: number): Promise<boolean>;
  /** The labels each of these artifacts carries, by label id; artifacts with none are absent. */
  labelsOfArtifacts(artifactIds: number[]): Promise<Map<number, Label[]>>;
}
